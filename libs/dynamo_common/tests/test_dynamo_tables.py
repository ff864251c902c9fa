"""Table specs as CreateTable requests, and idempotent creation with TTL where a spec asks for it."""

from __future__ import annotations

import pytest

from dynamo_common import GlobalIndexSpec, KeySchema, TableSpec, create_tables

CATALOGUE = TableSpec(
    logical_name="catalogue",
    key=KeySchema(partition=("ItemID", "S")),
    indexes=(GlobalIndexSpec(name="ByShelf", key=KeySchema(partition=("Shelf", "S"), sort=("Name", "S"))),),
)
BASKETS = TableSpec(
    logical_name="baskets",
    key=KeySchema(partition=("OwnerID", "S"), sort=("ItemID", "S")),
    ttl_attribute="ExpiresAt",
)
LEDGER = TableSpec(
    logical_name="ledger",
    key=KeySchema(partition=("EntryID", "S")),
    indexes=(
        GlobalIndexSpec(name="ByOwner", key=KeySchema(partition=("OwnerID", "S"), sort=("At", "S"))),
        GlobalIndexSpec(name="ByAccount", key=KeySchema(partition=("Account", "N"))),
    ),
)
SPECS = (CATALOGUE, BASKETS, LEDGER)


def _definitions(request: dict) -> dict[str, str]:
    return {d["AttributeName"]: d["AttributeType"] for d in request["AttributeDefinitions"]}


def test_a_request_has_the_prefixed_name_key_index_and_on_demand_billing():
    request = CATALOGUE.create_table_request("dev-")
    assert request["TableName"] == "dev-catalogue"
    assert request["KeySchema"] == [{"AttributeName": "ItemID", "KeyType": "HASH"}]
    assert request["BillingMode"] == "PAY_PER_REQUEST"
    assert _definitions(request) == {"ItemID": "S", "Shelf": "S", "Name": "S"}
    (index,) = request["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "ByShelf"
    assert index["KeySchema"] == [
        {"AttributeName": "Shelf", "KeyType": "HASH"},
        {"AttributeName": "Name", "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "ALL"}


def test_a_composite_key_without_indexes():
    request = BASKETS.create_table_request("")
    assert request["TableName"] == "baskets"
    assert request["KeySchema"] == [
        {"AttributeName": "OwnerID", "KeyType": "HASH"},
        {"AttributeName": "ItemID", "KeyType": "RANGE"},
    ]
    assert _definitions(request) == {"OwnerID": "S", "ItemID": "S"}
    assert "GlobalSecondaryIndexes" not in request


def test_index_keys_are_defined_with_their_own_types():
    request = LEDGER.create_table_request("p-")
    assert _definitions(request) == {"EntryID": "S", "OwnerID": "S", "At": "S", "Account": "N"}
    assert [index["IndexName"] for index in request["GlobalSecondaryIndexes"]] == ["ByOwner", "ByAccount"]


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.logical_name)
def test_every_key_attribute_is_defined_exactly_once_and_nothing_else(spec):
    request = spec.create_table_request("x-")
    names = [d["AttributeName"] for d in request["AttributeDefinitions"]]
    used = {k["AttributeName"] for k in request["KeySchema"]}
    for index in request.get("GlobalSecondaryIndexes", []):
        used |= {k["AttributeName"] for k in index["KeySchema"]}
    # DynamoDB refuses a definition that no key uses, and a duplicate.
    assert sorted(names) == sorted(used) == names


def test_create_tables_is_idempotent_and_enables_ttl_where_asked(dynamodb, prefix):
    first = create_tables(dynamodb, prefix, SPECS)
    assert first == [f"{prefix}catalogue", f"{prefix}baskets", f"{prefix}ledger"]
    assert create_tables(dynamodb, prefix, SPECS) == []
    assert sorted(dynamodb.list_tables()["TableNames"]) == sorted(first)

    baskets_ttl = dynamodb.describe_time_to_live(TableName=f"{prefix}baskets")["TimeToLiveDescription"]
    assert baskets_ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ExpiresAt"}
    ledger_ttl = dynamodb.describe_time_to_live(TableName=f"{prefix}ledger")["TimeToLiveDescription"]
    assert ledger_ttl["TimeToLiveStatus"] == "DISABLED"

    catalogue = dynamodb.describe_table(TableName=f"{prefix}catalogue")["Table"]
    assert catalogue["TableStatus"] == "ACTIVE"
    assert [i["IndexName"] for i in catalogue["GlobalSecondaryIndexes"]] == ["ByShelf"]


def test_create_tables_creates_only_the_missing_ones_under_another_prefix(dynamodb, prefix):
    create_tables(dynamodb, prefix, (CATALOGUE,))
    assert create_tables(dynamodb, prefix, SPECS) == [f"{prefix}baskets", f"{prefix}ledger"]
    assert create_tables(dynamodb, "other-", (LEDGER,)) == ["other-ledger"]
