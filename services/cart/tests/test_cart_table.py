"""The carts table's spec: one item per line under the cart's owner, expiring through TTL."""

from __future__ import annotations

from cart_service import table


def test_cart_lines_are_keyed_by_owner_and_product_and_expire():
    request = table.TABLE_SPEC.create_table_request("")
    assert request["TableName"] == "carts"
    assert request["KeySchema"] == [
        {"AttributeName": "UserID", "KeyType": "HASH"},
        {"AttributeName": "ProductID", "KeyType": "RANGE"},
    ]
    assert "GlobalSecondaryIndexes" not in request
    assert table.TABLE_SPEC.ttl_attribute == table.EXPIRES_AT == "ExpiresAt"
