"""The orders table's spec: the key, a user's orders by date, and the sparse recovery index."""

from __future__ import annotations

from orders_service import table


def test_orders_are_keyed_by_id_and_indexed_by_user_and_by_recovery_due():
    request = table.TABLE_SPEC.create_table_request("p-")
    assert request["TableName"] == "p-orders"
    assert request["KeySchema"] == [{"AttributeName": "OrderID", "KeyType": "HASH"}]
    indexes = {index["IndexName"]: index["KeySchema"] for index in request["GlobalSecondaryIndexes"]}
    assert {name: [k["AttributeName"] for k in keys] for name, keys in indexes.items()} == {
        "UserOrdersIndex": ["UserID", "OrderDate"],
        "RecoveryDueIndex": ["RecoveryShard", "RecoveryDue"],
    }
    projections = {index["IndexName"]: index["Projection"] for index in request["GlobalSecondaryIndexes"]}
    # The owner's list reads whole orders from its index; recovery reads each order itself.
    assert projections == {
        "UserOrdersIndex": {"ProjectionType": "ALL"},
        "RecoveryDueIndex": {"ProjectionType": "KEYS_ONLY"},
    }
    assert table.TABLE_SPEC.ttl_attribute is None
