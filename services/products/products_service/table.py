"""The products table: its attribute names, keys and indexes, owned by this service alone.

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
# Only RESERVED reservations carry these, so the sparse `HeldReservationsIndex` lists the stock
# held for orders not yet confirmed, oldest first, for the sweep of orphaned reservations.
HELD_SHARD = "HeldShard"
HELD_SINCE = "HeldSince"

CATEGORY_INDEX = "CategoryIndex"
HELD_RESERVATIONS_INDEX = "HeldReservationsIndex"

TABLE_SPEC = TableSpec(
    logical_name=TABLE_NAME,
    key=KeySchema(partition=(PRODUCT_ID, "S")),
    indexes=(
        GlobalIndexSpec(name=CATEGORY_INDEX, key=KeySchema(partition=(CATEGORY, "S"), sort=(NAME, "S"))),
        # Sparse: only RESERVED reservations carry these attributes, so the sweep of reservations
        # whose order is gone finds the stock held longest with a Query instead of a Scan.
        GlobalIndexSpec(
            name=HELD_RESERVATIONS_INDEX, key=KeySchema(partition=(HELD_SHARD, "S"), sort=(HELD_SINCE, "S"))
        ),
    ),
    description="The catalogue, its stock and the stock reservations of orders.",
)
