"""DynamoDB attribute, index and table names: defined once, imported everywhere."""

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

USER_ID = "UserID"
QUANTITY = "Quantity"
ADDED_AT = "AddedAt"
EXPIRES_AT = "ExpiresAt"

ORDER_ID = "OrderID"
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

CATEGORY_INDEX = "CategoryIndex"
USER_ORDERS_INDEX = "UserOrdersIndex"
RECOVERY_INDEX = "RecoveryIndex"

PRODUCTS_TABLE = "products"
CARTS_TABLE = "carts"
ORDERS_TABLE = "orders"

# Stock reservations, kept in the products table beside the stock they hold.
RESERVATION_ITEMS = "Items"

# Carts: the per-cart header item lists the product ids that have a line; lines remember the orders
# whose checkout already took quantity from them.
LINE_PRODUCT_IDS = "LineProductIDs"
CHECKOUT_ORDER_IDS = "CheckoutOrderIDs"

# Carts: the product's price when the shopper last added or set the line, to show a change since.
PRICE_AT_ADD = "PriceAtAdd"
