"""The products table: its attribute names, keys and index, owned by this service alone.

Terraform's tables and the IAM tests derive from `TABLE_SPEC`, so a change here shows up there.
"""

from __future__ import annotations

from dynamo_common.tables import GlobalIndexSpec, KeySchema, TableSpec

TABLE_NAME = "products"

PRODUCT_ID = "ProductID"
NAME = "Name"
PRICE = "Price"
DESCRIPTION = "Description"
INVENTORY_COUNT = "InventoryCount"
CATEGORY = "Category"
IMAGE_URL = "ImageURL"
VERSION = "Version"
CREATED_AT = "CreatedAt"
UPDATED_AT = "UpdatedAt"

# Stock reservations, kept in the products table beside the stock they hold.
STATUS = "Status"
QUANTITY = "Quantity"
UNIT_PRICE = "UnitPrice"
RESERVATION_ITEMS = "Items"

CATEGORY_INDEX = "CategoryIndex"

TABLE_SPEC = TableSpec(
    logical_name=TABLE_NAME,
    key=KeySchema(partition=(PRODUCT_ID, "S")),
    indexes=(
        GlobalIndexSpec(name=CATEGORY_INDEX, key=KeySchema(partition=(CATEGORY, "S"), sort=(NAME, "S"))),
    ),
    description="The catalogue, its stock and the stock reservations of orders.",
)
