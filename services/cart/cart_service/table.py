"""The carts table: its attribute names, keys and TTL, owned by this service alone.

Terraform's tables and the IAM tests derive from `TABLE_SPEC`, so a change here shows up there.
"""

from __future__ import annotations

from dynamo_common.tables import KeySchema, TableSpec

TABLE_NAME = "carts"

USER_ID = "UserID"
PRODUCT_ID = "ProductID"
QUANTITY = "Quantity"
ADDED_AT = "AddedAt"
EXPIRES_AT = "ExpiresAt"
# The per-cart header item lists the product ids that have a line; lines remember the orders
# whose checkout already took quantity from them.
LINE_PRODUCT_IDS = "LineProductIDs"
CHECKOUT_ORDER_IDS = "CheckoutOrderIDs"
# The product's price when the shopper last added or set the line, to show a change since.
PRICE_AT_ADD = "PriceAtAdd"
# On the header item: the order whose checkout holds the cart (so a cart is bought once), the
# cart version it confirmed, and whether it has bought and cleared the cart.
CHECKOUT_CLAIM = "CheckoutClaim"
CHECKOUT_CLAIM_VERSION = "CheckoutClaimVersion"
CHECKOUT_CLAIM_FINISHED = "CheckoutClaimFinished"

TABLE_SPEC = TableSpec(
    logical_name=TABLE_NAME,
    key=KeySchema(partition=(USER_ID, "S"), sort=(PRODUCT_ID, "S")),
    ttl_attribute=EXPIRES_AT,
    description="One item per cart line; lines expire through TTL.",
)
