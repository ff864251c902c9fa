"""DynamoDB access shared by the ShopSmart services."""

from dynamo_common.batch import batch_get, batch_write
from dynamo_common.capacity import (
    CapacityMeter,
    install_capacity_hooks,
    metered,
    start_metering,
    stop_metering,
)
from dynamo_common.client import DynamoSettings, make_client
from dynamo_common.cursors import CursorCodec
from dynamo_common.errors import (
    ConditionFailed,
    DynamoError,
    InvalidCursor,
    Throttled,
    TransactionCancelled,
    Unavailable,
    translated_errors,
)
from dynamo_common.items import expression_values, from_item, to_item, to_value
from dynamo_common.pages import read_page
from dynamo_common.tables import GlobalIndexSpec, KeySchema, TableSpec, create_tables
from dynamo_common.transactions import transact, transact_if_unchanged

__all__ = [
    "CapacityMeter",
    "ConditionFailed",
    "CursorCodec",
    "DynamoError",
    "DynamoSettings",
    "GlobalIndexSpec",
    "InvalidCursor",
    "KeySchema",
    "TableSpec",
    "Throttled",
    "TransactionCancelled",
    "Unavailable",
    "batch_get",
    "batch_write",
    "create_tables",
    "expression_values",
    "from_item",
    "install_capacity_hooks",
    "make_client",
    "metered",
    "read_page",
    "start_metering",
    "stop_metering",
    "to_item",
    "to_value",
    "transact",
    "transact_if_unchanged",
    "translated_errors",
]
