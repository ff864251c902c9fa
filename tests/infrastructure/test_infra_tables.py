"""Each service's root declares its table as the code's table spec, and every provisioned table scales.

Expectations come from the specs the services' code uses (`code_table_specs` in conftest): changing
a spec (a key, a type, an index, the TTL) without changing Terraform makes these tests fail. The
deploy tier plans the roots and checks the scaling targets the plan would create.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from code_truths import SERVICE_NAMES, code_table_specs

from dynamo_common.tables import GlobalIndexSpec, KeySchema, TableSpec

SPECS = code_table_specs()
# The indexes that had index_read/index_write scaling resources before the fold into one for_each.
FOLDED_INDEXES = frozenset({"CategoryIndex", "UserOrdersIndex", "RecoveryIndex"})


def _key(value: dict[str, str] | None) -> tuple[str, str] | None:
    return None if value is None else (value["name"], value["type"])


def terraform_table(table: dict[str, Any]) -> dict[str, Any]:
    """A service root's `local.table`, in the shape of `spec_table` (absent optional keys are null)."""
    indexes = table.get("global_secondary_indexes", [])
    keys = [table["hash_key"], table.get("range_key")]
    for index in indexes:
        keys += [index["hash_key"], index.get("range_key")]
    return {
        "key": (_key(table["hash_key"]), _key(table.get("range_key"))),
        # The module declares exactly the attributes of the table's and the indexes' keys.
        "attributes": dict(_key(key) for key in keys if key is not None),
        "indexes": {
            index["name"]: (
                _key(index["hash_key"]),
                _key(index.get("range_key")),
                index.get("projection_type", "ALL"),
            )
            for index in indexes
        },
        "ttl": table.get("ttl_attribute"),
    }


def spec_table(spec: TableSpec) -> dict[str, Any]:
    return {
        "key": (spec.key.partition, spec.key.sort),
        "attributes": spec.attribute_definitions(),
        "indexes": {
            index.name: (index.key.partition, index.key.sort, index.projection) for index in spec.indexes
        },
        "ttl": spec.ttl_attribute,
    }


@pytest.fixture(scope="module")
def tables(terraform) -> dict[str, dict[str, Any]]:
    """Each service root's table, by logical name."""
    return {
        service.locals["table"]["logical_name"]: service.locals["table"]
        for service in terraform.services.values()
    }


def test_the_service_roots_declare_exactly_the_spec_tables_one_each(terraform, tables) -> None:
    assert set(tables) == set(SPECS)
    assert len(tables) == len(SERVICE_NAMES)


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
    composition = terraform.modules["shop_service"]
    assert (
        composition.module_calls["table"]["name"] == "${var.platform.table_prefix}${var.table.logical_name}"
    )
    # The services find their tables by the same prefix, which the platform publishes.
    assert composition.locals["environment"].count("SHOPSMART_TABLE_PREFIX = var.platform.table_prefix") == 1
    assert terraform.platform.locals["published"]["table_prefix"] == "${local.table_prefix}"
    for name, service in terraform.services.items():
        assert service.module_calls[name]["table"] == "${local.table}"


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
    # The scaler owns the capacity of the table and of every index: a release must not reset it.
    lifecycle = table["lifecycle"][0]
    assert set(lifecycle["ignore_changes"]) == {"read_capacity", "write_capacity", "global_secondary_index"}
    # With the indexes ignored, a guard refuses a plan whose indexes differ from the spec's.
    (guard,) = lifecycle["postcondition"]
    assert "self.global_secondary_index" in guard["condition"] and "local.index_shapes" in guard["condition"]
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
    assert (
        terraform.modules["shop_service"].module_calls["table"]["billing_mode"] == "${var.table_billing_mode}"
    )
    # The shop's default is the composition's; a root that sets nothing passes null to it.
    composition = terraform.modules["shop_service"].variables["table_billing_mode"]
    assert composition["default"] == "PROVISIONED" and composition["nullable"] is False
    for service in terraform.services.values():
        assert service.variables["table_billing_mode"]["default"] is None


def test_the_table_and_every_index_scale_reads_and_writes_in_one_for_each(terraform) -> None:
    module = terraform.modules["dynamodb_table"]
    targets = {name for name in module.resources if name.startswith("aws_appautoscaling_target.")}
    policies = {name for name in module.resources if name.startswith("aws_appautoscaling_policy.")}
    assert targets == {"aws_appautoscaling_target.capacity"}
    assert policies == {"aws_appautoscaling_policy.capacity"}
    target = module.resources["aws_appautoscaling_target.capacity"]
    policy = module.resources["aws_appautoscaling_policy.capacity"]
    assert terraform.reference(target["for_each"]) == "local.scaled_capacities"
    assert terraform.reference(policy["for_each"]) == "aws_appautoscaling_target.capacity"
    assert target["service_namespace"] == "dynamodb"
    # The table and each index, reads and writes, only when provisioned.
    scaled = module.locals["scaled_resources"]
    assert "table = {" in scaled and "for name in keys(local.indexes)" in scaled
    assert module.locals["scaled_capacities"].startswith("${local.provisioned ? {")
    assert module.locals["provisioned"] == '${var.billing_mode == "PROVISIONED"}'
    directions = module.locals["capacity_directions"]
    for kind in ("Read", "Write"):
        direction = directions[kind.lower()]
        assert direction["dimension_suffix"] == f"{kind}CapacityUnits"
        assert direction["metric"] == f"DynamoDB{kind}CapacityUtilization"
        assert direction["min_capacity"] == f"${{var.autoscaling.{kind.lower()}_min_capacity}}"
        assert direction["max_capacity"] == f"${{var.autoscaling.{kind.lower()}_max_capacity}}"
    configuration = policy["target_tracking_scaling_policy_configuration"][0]
    assert configuration["target_value"] == "${var.autoscaling.target_utilization}"
    assert policy["policy_type"] == "TargetTrackingScaling"


def test_former_scaling_addresses_move_to_the_for_each(terraform) -> None:
    moved = [
        block
        for parsed in terraform.modules["dynamodb_table"].files.values()
        for block in parsed.get("moved", [])
    ]
    assert {(block["from"], block["to"]) for block in moved} >= {
        ("${aws_appautoscaling_target.table_read[0]}", '${aws_appautoscaling_target.capacity["table:read"]}'),
        (
            "${aws_appautoscaling_policy.table_write[0]}",
            '${aws_appautoscaling_policy.capacity["table:write"]}',
        ),
    }
    for name, service in terraform.services.items():
        spec = SPECS[service.locals["table"]["logical_name"]]
        root_moved = {
            (block["from"], block["to"])
            for parsed in service.files.values()
            for block in parsed.get("moved", [])
        }
        # Indexes added after the fold never had the former addresses.
        for index in (index for index in spec.indexes if index.name in FOLDED_INDEXES):
            assert (
                f'${{module.{name}.module.table.aws_appautoscaling_target.index_read["{index.name}"]}}',
                f'${{module.{name}.module.table.aws_appautoscaling_target.capacity["index/{index.name}:read"]}}',
            ) in root_moved
