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

# Hot products: a product split into `StockShards` stock items keeps shard 0 in its own item and
# the others in `#stock#<product id>#<n>` items, so one product's sale spreads its writes over
# several items (DynamoDB takes at most 1,000 write units a second per item). A shard item has no
# `Price` and no `Category`, so listings and `CategoryIndex` never show it; it keeps a copy of the
# price so a reservation at a price is one conditional write on the shard alone.
STOCK_SHARDS = "StockShards"
SHARD_OF = "ShardOf"
SHARD_PRICE = "ShardPrice"
# On a shard item: every unit ever placed in it by splits and restocks, so an audit can check
# each shard on its own: placed == current + reserved + sold there.
STOCK_PLACED = "StockPlaced"
# On a reservation line: the units taken from each shard (absent: all of them from shard 0).
LINE_SHARDS = "Shards"
SHARD_PREFIX = "#stock#"

CATEGORY_INDEX = "CategoryIndex"
HELD_RESERVATIONS_INDEX = "HeldReservationsIndex"


def stock_item_id(product_id: str, shard: int) -> str:
    """The id of the item holding one shard of a product's stock; shard 0 is the product's own item."""
    return product_id if shard == 0 else f"{SHARD_PREFIX}{product_id}#{shard}"


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
