"""The orders table: its attribute names, keys and indexes, owned by this service alone.

Terraform's tables and the IAM tests derive from `TABLE_SPEC`, so a change here shows up there.
"""

from __future__ import annotations

from dynamo_common.tables import GlobalIndexSpec, KeySchema, TableSpec

TABLE_NAME = "orders"

ORDER_ID = "OrderID"
USER_ID = "UserID"
PRODUCT_ID = "ProductID"
NAME = "Name"
QUANTITY = "Quantity"
UPDATED_AT = "UpdatedAt"
PRODUCT_LIST = "ProductList"
UNIT_PRICE = "UnitPrice"
TOTAL_PRICE = "TotalPrice"
ORDER_DATE = "OrderDate"
STATUS = "Status"
IDEMPOTENCY_KEY = "IdempotencyKey"
FAILURE_REASON = "FailureReason"
CART_READ_AT = "CartReadAt"
CART_FINGERPRINT = "CartFingerprint"
CART_LINES = "CartLines"
LEASE_OWNER = "LeaseOwner"
LEASE_UNTIL = "LeaseUntil"
RESERVATION_COMMITTED = "ReservationCommitted"
CART_CLEARED = "CartCleared"
STOCK_RETURNED = "StockReturned"
RECOVERY_SHARD = "RecoveryShard"
RECOVERY_DUE = "RecoveryDue"
# The cart version the shopper confirmed (the lines and prices they saw).
CART_VERSION = "CartVersion"

USER_ORDERS_INDEX = "UserOrdersIndex"
# Keys only: recovery reads each due order itself (strongly), so the checkout's updates of an
# order in it write no index entry unless they move its due time or take it out. It replaced
# `RecoveryIndex` (projection ALL, a second write on every such update); README "Orders table:
# from RecoveryIndex to RecoveryDueIndex" is the migration.
RECOVERY_INDEX = "RecoveryDueIndex"

TABLE_SPEC = TableSpec(
    logical_name=TABLE_NAME,
    key=KeySchema(partition=(ORDER_ID, "S")),
    indexes=(
        GlobalIndexSpec(
            name=USER_ORDERS_INDEX, key=KeySchema(partition=(USER_ID, "S"), sort=(ORDER_DATE, "S"))
        ),
        # Sparse: only orders with unfinished checkout or cancel steps carry these attributes,
        # so recovery finds its work with a Query instead of scanning every order.
        GlobalIndexSpec(
            name=RECOVERY_INDEX,
            key=KeySchema(partition=(RECOVERY_SHARD, "S"), sort=(RECOVERY_DUE, "S")),
            projection="KEYS_ONLY",
        ),
    ),
    description="Orders and their checkout state.",
)
