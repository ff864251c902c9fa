"""The products table's spec: the key, the category index, the sparse index of held stock, no TTL."""

from __future__ import annotations

from products_service import table


def test_products_are_keyed_by_id_and_listed_by_category_and_name():
    request = table.TABLE_SPEC.create_table_request("dev-")
    assert request["TableName"] == "dev-products"
    assert request["KeySchema"] == [{"AttributeName": "ProductID", "KeyType": "HASH"}]
    index, held = request["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "CategoryIndex"
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["Category", "Name"]
    assert held["IndexName"] == "HeldReservationsIndex"
    assert [k["AttributeName"] for k in held["KeySchema"]] == ["HeldShard", "HeldSince"]
    assert table.TABLE_SPEC.ttl_attribute is None
