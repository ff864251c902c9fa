"""Terraform's tables are the specs the services own, and every provisioned table scales.

Expectations come from each service's `<package>.table.TABLE_SPEC`: changing a spec (a key, a type,
an index, the TTL) without changing Terraform makes these tests fail.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from devstack import shop_tables
from dynamo_common.tables import GlobalIndexSpec, KeySchema, TableSpec

SPECS = {spec.logical_name: spec for spec in shop_tables()}


def _key(value: dict[str, str] | None) -> tuple[str, str] | None:
    return None if value is None else (value["name"], value["type"])


def terraform_table(table: dict[str, Any]) -> dict[str, Any]:
    """A table of production's `local.tables`, in the shape of `spec_table`."""
    keys = [table["hash_key"], table["range_key"]]
    for index in table["global_secondary_indexes"]:
        keys += [index["hash_key"], index.get("range_key")]
    return {
        "key": (_key(table["hash_key"]), _key(table["range_key"])),
        # The module declares exactly the attributes of the table's and the indexes' keys.
        "attributes": dict(_key(key) for key in keys if key is not None),
        "indexes": {
            index["name"]: (
                _key(index["hash_key"]),
                _key(index.get("range_key")),
                index.get("projection_type", "ALL"),
            )
            for index in table["global_secondary_indexes"]
        },
        "ttl": table["ttl_attribute"],
    }


def spec_table(spec: TableSpec) -> dict[str, Any]:
    return {
        "key": (spec.key.partition, spec.key.sort),
        "attributes": spec.attribute_definitions(),
        "indexes": {index.name: (index.key.partition, index.key.sort, "ALL") for index in spec.indexes},
        "ttl": spec.ttl_attribute,
    }


@pytest.fixture(scope="module")
def tables(terraform) -> dict[str, dict[str, Any]]:
    return terraform.production.locals["tables"]


def test_terraform_has_exactly_the_spec_tables(tables) -> None:
    assert set(tables) == set(SPECS)


@pytest.mark.parametrize("logical_name", sorted(SPECS))
def test_table_keys_types_indexes_and_ttl_equal_the_spec(tables, logical_name: str) -> None:
    assert terraform_table(tables[logical_name]) == spec_table(SPECS[logical_name])


def test_a_changed_spec_no_longer_matches(tables) -> None:
    orders = SPECS["orders"]
    changed = [
        dataclasses.replace(orders, indexes=orders.indexes[:1]),
        dataclasses.replace(orders, ttl_attribute="ExpiresAt"),
        dataclasses.replace(orders, key=KeySchema(partition=("OrderID", "N"))),
        dataclasses.replace(
            orders,
            indexes=(*orders.indexes, GlobalIndexSpec("StatusIndex", KeySchema(partition=("Status", "S")))),
        ),
    ]
    for spec in changed:
        assert terraform_table(tables["orders"]) != spec_table(spec)


def test_tables_are_named_by_environment_prefix_and_logical_name(terraform) -> None:
    call = terraform.production.module_calls["table"]
    assert terraform.reference(call["for_each"]) == "local.tables"
    assert call["name"] == "${local.table_prefix}${each.key}"
    # The services find their tables by the same prefix.
    assert (
        terraform.production.locals["common_environment"]["SHOPSMART_TABLE_PREFIX"] == "${local.table_prefix}"
    )


def test_the_module_declares_attributes_from_keys_and_passes_every_index(terraform) -> None:
    module = terraform.modules["dynamodb_table"]
    table = module.resources["aws_dynamodb_table.this"]
    dynamic = {name: block for entry in table["dynamic"] for name, block in entry.items()}
    assert terraform.reference(dynamic["attribute"]["for_each"]) == "local.key_attributes"
    assert terraform.reference(dynamic["global_secondary_index"]["for_each"]) == "local.indexes"
    key_attributes = module.locals["key_attributes"]
    for source in (
        "var.hash_key",
        "var.range_key",
        "var.global_secondary_indexes",
        "index.hash_key",
        "index.range_key",
    ):
        assert source in key_attributes
    assert "for index in var.global_secondary_indexes" in module.locals["indexes"]
    index_type = module.variables["global_secondary_indexes"]["type"]
    assert 'projection_type = optional(string, "ALL")' in index_type


def test_the_table_is_protected_recoverable_encrypted_and_owned_by_the_scaler(terraform) -> None:
    module = terraform.modules["dynamodb_table"]
    table = module.resources["aws_dynamodb_table.this"]
    assert table["point_in_time_recovery"][0]["enabled"] == "${var.point_in_time_recovery}"
    assert module.variables["point_in_time_recovery"]["default"] is True
    assert table["deletion_protection_enabled"] == "${var.deletion_protection}"
    assert module.variables["deletion_protection"]["default"] is True
    encryption = table["server_side_encryption"][0]
    assert encryption["enabled"] is True
    assert encryption["kms_key_arn"] == "${local.kms_key_arn}"
    assert table["stream_enabled"] == "${var.stream_view_type != null}"
    assert table["lifecycle"][0]["ignore_changes"] == ["read_capacity", "write_capacity"]
    ttl = next(entry["ttl"] for entry in table["dynamic"] if "ttl" in entry)
    assert ttl["content"][0] == {"enabled": True, "attribute_name": "${ttl.value}"}


def test_switching_billing_mode_keeps_the_same_table(terraform) -> None:
    module = terraform.modules["dynamodb_table"]
    tables = [name for name in module.resources if name.startswith("aws_dynamodb_table.")]
    assert tables == ["aws_dynamodb_table.this"]
    table = module.resources["aws_dynamodb_table.this"]
    # One resource, whatever the mode: no count or for_each could move it to another address.
    assert "count" not in table and "for_each" not in table
    assert table["billing_mode"] == "${var.billing_mode}"
    assert module.variables["billing_mode"]["default"] == "PROVISIONED"
    production = terraform.production
    assert production.module_calls["table"]["billing_mode"] == "${var.table_billing_mode}"
    assert production.variables["table_billing_mode"]["default"] == "PROVISIONED"


SCALING = {
    # resource: (for_each or count, scalable dimension, predefined metric)
    "table_read": ("count", "dynamodb:table:ReadCapacityUnits", "DynamoDBReadCapacityUtilization"),
    "table_write": ("count", "dynamodb:table:WriteCapacityUnits", "DynamoDBWriteCapacityUtilization"),
    "index_read": ("for_each", "dynamodb:index:ReadCapacityUnits", "DynamoDBReadCapacityUtilization"),
    "index_write": ("for_each", "dynamodb:index:WriteCapacityUnits", "DynamoDBWriteCapacityUtilization"),
}
INSTANCES = {"count": "${local.provisioned ? 1 : 0}", "for_each": "${local.provisioned ? local.indexes : {}}"}


def planned_scaling(module, table: dict[str, Any], billing_mode: str) -> set[tuple[str, str, str]]:
    """The (scaled resource, dimension, policy metric) the module creates for one table.

    Each target and policy's instance expression is checked to be one of two known forms, which
    are then evaluated here: once per table, and once per index, when billing is PROVISIONED.
    """
    assert module.locals["provisioned"] == '${var.billing_mode == "PROVISIONED"}'
    planned = set()
    for name, (meta, dimension, metric) in SCALING.items():
        target = module.resources[f"aws_appautoscaling_target.{name}"]
        policy = module.resources[f"aws_appautoscaling_policy.{name}"]
        assert target[meta] == INSTANCES[meta], name
        assert target["scalable_dimension"] == dimension
        assert target["service_namespace"] == "dynamodb"
        configuration = policy["target_tracking_scaling_policy_configuration"][0]
        assert configuration["predefined_metric_specification"][0]["predefined_metric_type"] == metric
        assert policy["policy_type"] == "TargetTrackingScaling"
        if meta == "count":
            assert policy["count"] == INSTANCES["count"]
            assert policy["resource_id"] == f"${{aws_appautoscaling_target.{name}[0].resource_id}}"
            scaled = ["table"]
        else:
            assert policy["for_each"] == f"${{aws_appautoscaling_target.{name}}}"
            assert target["resource_id"] == "table/${aws_dynamodb_table.this.name}/index/${each.key}"
            scaled = [f"index/{index['name']}" for index in table["global_secondary_indexes"]]
        if billing_mode == "PROVISIONED":
            planned |= {(resource, dimension.split(":")[-1], metric) for resource in scaled}
    return planned


@pytest.mark.parametrize("logical_name", sorted(SPECS))
def test_a_provisioned_table_and_each_index_scale_reads_and_writes(terraform, tables, logical_name) -> None:
    module = terraform.modules["dynamodb_table"]
    planned = planned_scaling(module, tables[logical_name], "PROVISIONED")
    scaled = ["table", *(f"index/{index.name}" for index in SPECS[logical_name].indexes)]
    expected = {
        (resource, f"{kind}CapacityUnits", f"DynamoDB{kind}CapacityUtilization")
        for resource in scaled
        for kind in ("Read", "Write")
    }
    assert planned == expected
    assert planned_scaling(module, tables[logical_name], "PAY_PER_REQUEST") == set()


def test_scaling_bounds_and_target_are_variables(terraform) -> None:
    module = terraform.modules["dynamodb_table"]
    autoscaling = module.variables["autoscaling"]["type"]
    for setting in ("read_min_capacity", "read_max_capacity", "write_min_capacity", "write_max_capacity"):
        assert setting in autoscaling
    assert "target_utilization" in autoscaling
    for name in SCALING:
        configuration = module.resources[f"aws_appautoscaling_policy.{name}"][
            "target_tracking_scaling_policy_configuration"
        ][0]
        assert configuration["target_value"] == "${var.autoscaling.target_utilization}"
