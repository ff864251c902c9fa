"""Table specs as CreateTable requests, and idempotent creation with TTL on carts."""

from __future__ import annotations

import pytest

from dynamo_common import ALL_TABLES, CARTS, ORDERS, PRODUCTS, create_tables
from dynamo_common import attributes as attr


def _definitions(request: dict) -> dict[str, str]:
    return {d["AttributeName"]: d["AttributeType"] for d in request["AttributeDefinitions"]}


def test_products_request_has_key_category_index_and_on_demand_billing():
    request = PRODUCTS.create_table_request("dev-")
    assert request["TableName"] == "dev-products"
    assert request["KeySchema"] == [{"AttributeName": attr.PRODUCT_ID, "KeyType": "HASH"}]
    assert request["BillingMode"] == "PAY_PER_REQUEST"
    assert _definitions(request) == {attr.PRODUCT_ID: "S", attr.CATEGORY: "S", attr.NAME: "S"}
    (index,) = request["GlobalSecondaryIndexes"]
    assert index["IndexName"] == attr.CATEGORY_INDEX == "CategoryIndex"
    assert index["KeySchema"] == [
        {"AttributeName": attr.CATEGORY, "KeyType": "HASH"},
        {"AttributeName": attr.NAME, "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "ALL"}


def test_carts_request_has_composite_key_no_index_and_ttl_on_expires_at():
    request = CARTS.create_table_request("")
    assert request["TableName"] == "carts"
    assert request["KeySchema"] == [
        {"AttributeName": attr.USER_ID, "KeyType": "HASH"},
        {"AttributeName": attr.PRODUCT_ID, "KeyType": "RANGE"},
    ]
    assert _definitions(request) == {attr.USER_ID: "S", attr.PRODUCT_ID: "S"}
    assert "GlobalSecondaryIndexes" not in request
    assert CARTS.ttl_attribute == attr.EXPIRES_AT == "ExpiresAt"


def test_orders_request_has_user_orders_index():
    request = ORDERS.create_table_request("p-")
    assert request["TableName"] == "p-orders"
    assert _definitions(request) == {
        attr.ORDER_ID: "S",
        attr.USER_ID: "S",
        attr.ORDER_DATE: "S",
        attr.RECOVERY_SHARD: "S",
        attr.RECOVERY_DUE: "S",
    }
    indexes = {index["IndexName"]: index for index in request["GlobalSecondaryIndexes"]}
    assert set(indexes) == {attr.USER_ORDERS_INDEX, attr.RECOVERY_INDEX}
    assert attr.USER_ORDERS_INDEX == "UserOrdersIndex"
    user_orders = indexes[attr.USER_ORDERS_INDEX]["KeySchema"]
    assert [k["AttributeName"] for k in user_orders] == [attr.USER_ID, attr.ORDER_DATE]
    assert [k["KeyType"] for k in user_orders] == ["HASH", "RANGE"]
    recovery = indexes[attr.RECOVERY_INDEX]["KeySchema"]
    assert [k["AttributeName"] for k in recovery] == [attr.RECOVERY_SHARD, attr.RECOVERY_DUE]


@pytest.mark.parametrize("spec", ALL_TABLES, ids=lambda spec: spec.logical_name)
def test_every_key_attribute_is_defined_exactly_once_and_nothing_else(spec):
    request = spec.create_table_request("x-")
    names = [d["AttributeName"] for d in request["AttributeDefinitions"]]
    used = {k["AttributeName"] for k in request["KeySchema"]}
    for index in request.get("GlobalSecondaryIndexes", []):
        used |= {k["AttributeName"] for k in index["KeySchema"]}
    # DynamoDB refuses a definition that no key uses, and a duplicate.
    assert sorted(names) == sorted(used) == names


def test_only_carts_expire():
    assert [spec.logical_name for spec in ALL_TABLES if spec.ttl_attribute] == [attr.CARTS_TABLE]


def test_create_tables_is_idempotent_and_enables_ttl_on_carts_only(dynamodb, prefix):
    first = create_tables(dynamodb, prefix)
    assert first == [f"{prefix}products", f"{prefix}carts", f"{prefix}orders"]
    assert create_tables(dynamodb, prefix) == []
    assert sorted(dynamodb.list_tables()["TableNames"]) == sorted(first)

    carts_ttl = dynamodb.describe_time_to_live(TableName=f"{prefix}carts")["TimeToLiveDescription"]
    assert carts_ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": attr.EXPIRES_AT}
    orders_ttl = dynamodb.describe_time_to_live(TableName=f"{prefix}orders")["TimeToLiveDescription"]
    assert orders_ttl["TimeToLiveStatus"] == "DISABLED"

    products = dynamodb.describe_table(TableName=f"{prefix}products")["Table"]
    assert products["TableStatus"] == "ACTIVE"
    assert [i["IndexName"] for i in products["GlobalSecondaryIndexes"]] == [attr.CATEGORY_INDEX]


def test_create_tables_creates_only_the_missing_ones_under_another_prefix(dynamodb, prefix):
    create_tables(dynamodb, prefix, (PRODUCTS,))
    assert create_tables(dynamodb, prefix) == [f"{prefix}carts", f"{prefix}orders"]
    assert create_tables(dynamodb, "other-", (ORDERS,)) == ["other-orders"]
