"""Every root is formatted, validates and plans in both compute modes, against moto's server."""

from __future__ import annotations

import subprocess

import pytest
from code_truths import code_table_specs
from deploy_harness import (
    COMPUTE_MODES,
    PLATFORM,
    ROOTS,
    SERVICE_ROOTS,
    TERRAFORM_DIR,
    changed_addresses,
    result_of,
)


def test_every_file_is_formatted(terraform_binary: str) -> None:
    result = subprocess.run(
        [terraform_binary, "fmt", "-check", "-recursive", "-diff", "-no-color", str(TERRAFORM_DIR)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"terraform fmt would change:\n{result.stdout}{result.stderr}"


def test_every_root_validates(planned) -> None:
    deployment = result_of(planned, COMPUTE_MODES[0]).deployment
    validated = {
        entry.root for entry in deployment.log if entry.args[0] == "validate" and entry.returncode == 0
    }
    assert validated == set(ROOTS)


@pytest.mark.parametrize("compute", COMPUTE_MODES)
@pytest.mark.parametrize("root", ROOTS)
def test_every_root_plans_its_example_in_both_compute_modes(planned, compute: str, root: str) -> None:
    result, plan = result_of(planned, compute).plans[root]
    assert result.returncode == 2, result.tail()
    created = changed_addresses(plan)
    assert created and all(actions == ["create"] for actions in created.values()), created
    if root in SERVICE_ROOTS:
        service = root.removeprefix("services/")
        compute_resources = {
            "ecs": f"module.{service}.module.ecs_service[0].aws_ecs_service.this",
            "lambda": f"module.{service}.module.lambda_service[0].aws_lambda_alias.live",
        }
        assert compute_resources[compute] in created
        other = compute_resources[next(mode for mode in COMPUTE_MODES if mode != compute)]
        assert other not in created
    else:
        assert ("module.public_alb[0].aws_lb.this" in created) == (compute == "ecs")
        assert ("module.http_api[0].aws_apigatewayv2_api.this" in created) == (compute == "lambda")
        assert "aws_ssm_parameter.platform" in created


def test_the_platform_plan_holds_no_generated_secret(planned) -> None:
    _, plan = result_of(planned, "ecs").plans[PLATFORM]
    versions = [
        change
        for change in plan["resource_changes"]
        if change["type"] == "aws_secretsmanager_secret_version"
        and change["name"] in {"cursor", "guest_token"}
    ]
    assert len(versions) == 2
    for change in versions:
        assert change["change"]["after"].get("secret_string") in (None, "")
        assert change["change"]["after"]["secret_string_wo_version"] == 1


@pytest.mark.parametrize("compute", COMPUTE_MODES)
def test_each_service_plans_its_spec_table_scaled_with_every_index(planned, compute: str) -> None:
    specs = code_table_specs()
    planned_tables = set()
    for root in SERVICE_ROOTS:
        _, plan = result_of(planned, compute).plans[root]
        changes = plan["resource_changes"]
        (table,) = [change for change in changes if change["type"] == "aws_dynamodb_table"]
        spec = specs[table["change"]["after"]["name"].removeprefix("shopsmart-production-")]
        planned_tables.add(spec.logical_name)
        indexes = {index["name"] for index in table["change"]["after"]["global_secondary_index"]}
        assert indexes == {index.name for index in spec.indexes}
        scaled = {
            change["index"]
            for change in changes
            if change["type"] == "aws_appautoscaling_target" and ".table." in change["address"]
        }
        resources = ["table", *(f"index/{index.name}" for index in spec.indexes)]
        assert scaled == {
            f"{resource}:{direction}" for resource in resources for direction in ("read", "write")
        }
    assert planned_tables == set(specs)
