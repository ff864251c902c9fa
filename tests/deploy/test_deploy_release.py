"""What a release must not break (issue 22), on the applied shop of conftest and the plans of both modes.

- Capacity survives a release: after the autoscaler raised the table and every index, every
  service root plans nothing.
- No secret value in any service root's plan (both modes) or state (the applied ECS shop).
- The modules' own `terraform test` suites (a mocked provider) pass.
- A release leaves the previous task definition registered.
- Every alarm of both modes watches a metric the code prints (EMF) or AWS publishes, and notifies
  the platform's topic.

Tests that change the applied shop put it back as they found it: the tables' capacity is restored,
and cart, released as 1.0.1, is applied back to 1.0.0 (leaving two more ACTIVE revisions of cart).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from code_truths import code_table_specs
from deploy_harness import (
    COMPUTE_MODES,
    PLATFORM,
    PLUGIN_CACHE,
    SERVICE_ROOTS,
    TERRAFORM_DIR,
    Deployment,
    Planned,
    changed_addresses,
    emulator_drift_removed,
    plugin_arguments,
    result_of,
    terraform_environment,
)
from flask import Flask

from dynamo_common.capacity import CapacityMeter
from service_kit import observability

# What Application Auto Scaling might have raised the capacity to during a sale.
RAISED_TABLE = {"ReadCapacityUnits": 40, "WriteCapacityUnits": 40}
RAISED_INDEX = {"ReadCapacityUnits": 50, "WriteCapacityUnits": 60}
# Modules whose behaviour is checked by `terraform test` (their tests/ folder).
MODULE_TESTS = sorted(path.parent.parent.name for path in TERRAFORM_DIR.glob("modules/*/tests/*.tftest.hcl"))


def _throughput(description: dict) -> dict[str, int]:
    return {
        key: description["ProvisionedThroughput"][key] for key in ("ReadCapacityUnits", "WriteCapacityUnits")
    }


@pytest.fixture
def scaled_up_tables(shop: Deployment) -> Iterator[dict[str, dict]]:
    """Every service table and each of its indexes raised with UpdateTable, as the autoscaler
    does; put back to what they were afterwards."""
    client = shop.client("dynamodb")
    before = {}
    for table in client.list_tables()["TableNames"]:
        description = client.describe_table(TableName=table)["Table"]
        before[table] = {
            "table": _throughput(description),
            "indexes": {
                index["IndexName"]: _throughput(index)
                for index in description.get("GlobalSecondaryIndexes", [])
            },
        }
    assert any(capacity["indexes"] for capacity in before.values()), "the applied shop has no indexes"

    def update(table: str, table_throughput: dict, indexes: dict[str, dict]) -> None:
        client.update_table(TableName=table, ProvisionedThroughput=table_throughput)
        for index, throughput in indexes.items():
            client.update_table(
                TableName=table,
                GlobalSecondaryIndexUpdates=[
                    {"Update": {"IndexName": index, "ProvisionedThroughput": throughput}}
                ],
            )

    for table, capacity in before.items():
        update(table, RAISED_TABLE, dict.fromkeys(capacity["indexes"], RAISED_INDEX))
    try:
        yield before
    finally:
        for table, capacity in before.items():
            update(table, capacity["table"], capacity["indexes"])


def test_capacity_raised_by_the_autoscaler_survives_a_plan_of_every_root(
    shop: Deployment, scaled_up_tables: dict[str, dict]
) -> None:
    client = shop.client("dynamodb")
    # The imitation took: every table and index now runs above the root's minimum.
    for table in scaled_up_tables:
        description = client.describe_table(TableName=table)["Table"]
        assert _throughput(description) == RAISED_TABLE
        for index in description.get("GlobalSecondaryIndexes", []):
            assert _throughput(index) == RAISED_INDEX, (table, index["IndexName"])
    with ThreadPoolExecutor(max_workers=len(SERVICE_ROOTS)) as pool:
        plans = dict(
            zip(SERVICE_ROOTS, pool.map(lambda root: shop.plan(root)[1], SERVICE_ROOTS), strict=True)
        )
    for root, plan in plans.items():
        assert changed_addresses(emulator_drift_removed(plan)) == {}, root


def secret_values(deployment: Deployment) -> dict[str, str]:
    """The value of every secret the platform publishes to the services, read from the emulator."""
    parameter = deployment.client("ssm").get_parameter(Name="/shopsmart/production/platform")
    arns = json.loads(parameter["Parameter"]["Value"])["secret_arns"]
    secrets = deployment.client("secretsmanager")
    values = {name: secrets.get_secret_value(SecretId=arn)["SecretString"] for name, arn in arns.items()}
    # Long random strings: finding one in a plan or a state is never a coincidence.
    assert all(len(value) >= 16 for value in values.values()), "a secret is too short to search for"
    return values


@pytest.mark.parametrize("compute", COMPUTE_MODES)
def test_no_secret_value_is_in_any_service_roots_plan(
    planned: dict[str, Future[Planned]], compute: str
) -> None:
    done = result_of(planned, compute)
    values = secret_values(done.deployment)
    for root in SERVICE_ROOTS:
        # The saved plan's JSON: planned values, the prior state and every data source read.
        text = json.dumps(done.plans[root][1])
        leaked = sorted(name for name, value in values.items() if value in text)
        assert leaked == [], f"[{compute}] {root}'s plan holds {leaked}"


def test_no_secret_value_is_in_any_service_roots_state(shop: Deployment) -> None:
    values = secret_values(shop)
    for root in SERVICE_ROOTS:
        state = shop.run(root, "state", "pull").stdout
        assert '"resources"' in state, root
        leaked = sorted(name for name, value in values.items() if value in state)
        assert leaked == [], f"{root}'s state holds {leaked}"


def _terraform_test(terraform: str, module: Path) -> subprocess.CompletedProcess[str]:
    env = terraform_environment(os.environ, PLUGIN_CACHE)
    init = [terraform, f"-chdir={module}", "init", "-input=false", "-no-color", "-backend=false"]
    initialised = subprocess.run(
        [*init, *plugin_arguments(os.environ)], env=env, capture_output=True, text=True, check=False
    )
    if initialised.returncode != 0:
        return initialised
    return subprocess.run(
        [terraform, f"-chdir={module}", "test", "-no-color"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_modules_terraform_tests_pass(terraform_binary: str) -> None:
    assert "dynamodb_table" in MODULE_TESTS
    with tempfile.TemporaryDirectory(prefix="shopsmart-tftest-") as workdir:
        copy = Path(workdir) / "terraform"
        shutil.copytree(TERRAFORM_DIR, copy, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
        with ThreadPoolExecutor(max_workers=len(MODULE_TESTS)) as pool:
            results = dict(
                zip(
                    MODULE_TESTS,
                    pool.map(
                        lambda name: _terraform_test(terraform_binary, copy / "modules" / name), MODULE_TESTS
                    ),
                    strict=True,
                )
            )
    failed = {
        name: result.stdout[-3000:] + result.stderr[-3000:]
        for name, result in results.items()
        if result.returncode
    }
    assert failed == {}, failed


def _active_revisions(shop: Deployment, family: str) -> dict[str, str]:
    """The family's ACTIVE task definitions: ARN → the image its container runs."""
    ecs = shop.client("ecs")
    arns = ecs.list_task_definitions(familyPrefix=family, status="ACTIVE")["taskDefinitionArns"]
    return {
        arn: ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"][0][
            "image"
        ]
        for arn in arns
    }


def test_a_release_leaves_the_previous_task_definition_to_roll_back_to(shop: Deployment) -> None:
    """cart's release 1.0.1 is applied, then 1.0.0 again (the README's roll back), so the shop
    ends as it started, with two more ACTIVE revisions of cart."""
    family = "shopsmart-production-cart"
    ecs = shop.client("ecs")
    before = _active_revisions(shop, family)
    running = ecs.describe_services(cluster="shopsmart-production", services=["cart"])["services"][0]
    assert before[running["taskDefinition"]].endswith(":1.0.0"), before
    shop.apply("services/cart", image_tag="1.0.1")
    try:
        after = _active_revisions(shop, family)
        # The previous revision is still registered, beside the release's.
        assert before.items() <= after.items(), after
        (released,) = set(after) - set(before)
        assert after[released].endswith(":1.0.1")
        service = ecs.describe_services(cluster="shopsmart-production", services=["cart"])
        assert service["services"][0]["taskDefinition"] == released
    finally:
        shop.apply("services/cart")


# What AWS publishes, by namespace and metric, with the dimension sets it publishes them under (the
# CloudWatch metrics pages of DynamoDB, Elastic Load Balancing, Container Insights, Lambda and API
# Gateway HTTP APIs).
DYNAMODB_PARTS = [{"TableName"}, {"TableName", "GlobalSecondaryIndexName"}]
TARGET_GROUP = [{"LoadBalancer", "TargetGroup"}]
ALIAS = [{"FunctionName"}, {"FunctionName", "Resource"}]
AWS_EMITS = {
    "AWS/DynamoDB": dict.fromkeys(
        [
            "ReadThrottleEvents",
            "WriteThrottleEvents",
            "ProvisionedReadCapacityUnits",
            "ProvisionedWriteCapacityUnits",
        ],
        DYNAMODB_PARTS,
    ),
    "AWS/ApplicationELB": {
        "RequestCount": [{"LoadBalancer"}, *TARGET_GROUP],
        "HTTPCode_Target_5XX_Count": [{"LoadBalancer"}, *TARGET_GROUP],
        "HTTPCode_ELB_5XX_Count": [{"LoadBalancer"}],
        "TargetResponseTime": [{"LoadBalancer"}, *TARGET_GROUP],
        "HealthyHostCount": TARGET_GROUP,
        "UnHealthyHostCount": TARGET_GROUP,
    },
    "ECS/ContainerInsights": {"RunningTaskCount": [{"ClusterName", "ServiceName"}]},
    "AWS/Lambda": {
        "Invocations": ALIAS,
        "Errors": ALIAS,
        "Duration": ALIAS,
        "Throttles": ALIAS,
        "ConcurrentExecutions": [{"FunctionName"}],
    },
    "AWS/ApiGateway": {"Count": [{"ApiId", "Stage"}], "5xx": [{"ApiId", "Stage"}]},
}
# What each service must be alarmed on, whatever the mode, and per mode.
ALARM_KINDS = {
    "ecs": {"5xx-rate", "p99-latency", "no-healthy-hosts", "unhealthy-hosts", "tasks-at-max"},
    "lambda": {"5xx-rate", "function-errors", "p99-latency", "function-throttles", "concurrency-at-max"},
}


def emitted_emf() -> tuple[str, set[str], list[set[str]]]:
    """What service_kit prints for one request: its namespace, metric names and dimension sets."""
    app = Flask("emf")
    output = io.StringIO()
    meter = CapacityMeter()
    meter.record("GetItem", {"TableName": "probe", "CapacityUnits": 0.5, "ReadCapacityUnits": 0.5})
    with app.test_request_context("/"), redirect_stdout(output):
        observability.emit_request_metrics("probe", "GET /", 500, 1.0, meter)
    (directive,) = json.loads(output.getvalue())["_aws"]["CloudWatchMetrics"]
    names = {metric["Name"] for metric in directive["Metrics"]}
    return directive["Namespace"], names, [set(dimensions) for dimensions in directive["Dimensions"]]


def planned_alarms(plan: dict) -> list[dict]:
    return [
        change["change"]["after"]
        for change in plan["resource_changes"]
        if change["type"] == "aws_cloudwatch_metric_alarm" and "create" in change["change"]["actions"]
    ]


def applied_alarms(shop: Deployment, root: str) -> list[dict]:
    """The alarms in an applied root's state, every value known (a plan does not know the names of
    the target groups it creates)."""
    modules = [json.loads(shop.run(root, "show", "-json", "-no-color").stdout)["values"]["root_module"]]
    alarms = []
    while modules:
        module = modules.pop()
        modules.extend(module.get("child_modules", []))
        alarms += [
            resource["values"]
            for resource in module.get("resources", [])
            if resource["type"] == "aws_cloudwatch_metric_alarm"
        ]
    return alarms


@pytest.mark.parametrize("compute", COMPUTE_MODES)
def test_every_alarm_watches_a_metric_the_code_or_aws_emits_and_notifies_the_topic(
    planned: dict[str, Future[Planned]], shop: Deployment, compute: str
) -> None:
    """Lambda mode from its plans; ECS mode from the applied shop's state, where the load
    balancer's and target groups' names are known."""
    done = result_of(planned, compute)
    namespace, emf_metrics, emf_dimensions = emitted_emf()
    topic = json.loads(
        done.deployment.client("ssm").get_parameter(Name="/shopsmart/production/platform")["Parameter"][
            "Value"
        ]
    )["alarm_topic_arn"]
    specs = code_table_specs()
    if compute == "ecs":
        with ThreadPoolExecutor(max_workers=len(done.plans)) as pool:
            shown = pool.map(lambda root: applied_alarms(shop, root), done.plans)
            every_alarm = dict(zip(done.plans, shown, strict=True))
    else:
        every_alarm = {root: planned_alarms(plan) for root, (_, plan) in done.plans.items()}
    for root, (_, plan) in done.plans.items():
        alarms = every_alarm[root]
        assert alarms, root
        for alarm in alarms:
            name = alarm["alarm_name"]
            if root != PLATFORM:
                assert alarm["alarm_actions"] == [topic] and alarm["ok_actions"] == [topic], name
            queries = alarm["metric_query"]
            metrics = [query for query in queries if query["metric"]]
            expressions = [query["expression"] for query in queries if query["expression"]]
            assert metrics, name
            for query in metrics:
                (metric,) = query["metric"]
                if metric["namespace"] == namespace:
                    assert metric["metric_name"] in emf_metrics, name
                    assert set(metric["dimensions"]) in emf_dimensions, name
                    assert metric["dimensions"]["Service"] == root.removeprefix("services/"), name
                    continue
                published = AWS_EMITS[metric["namespace"]][metric["metric_name"]]
                # The platform is planned before its load balancer or API exists: names unknown.
                if metric.get("dimensions") is not None or root != PLATFORM:
                    assert set(metric["dimensions"]) in published, (name, metric["metric_name"])
            for expression in expressions:
                # Only the alarm's own queries, and a rate only once there is traffic to rate.
                referenced = set(re.findall(r"\b([a-z_][a-z0-9_]*)\b(?!\()", expression))
                assert referenced <= {query["id"] for query in metrics}, (name, expression)
                if "/" in expression:
                    assert re.match(r"IF\(\w+ >= \d+, ", expression), (name, expression)
        if root == PLATFORM:
            continue
        service = root.removeprefix("services/")
        (table,) = [change for change in plan["resource_changes"] if change["type"] == "aws_dynamodb_table"]
        spec = specs[table["change"]["after"]["name"].removeprefix("shopsmart-production-")]
        kinds = {alarm["alarm_name"].removeprefix(f"shopsmart-production-{service}-") for alarm in alarms}
        parts = ["table", *(f"index-{index.name}" for index in spec.indexes)]
        assert kinds >= ALARM_KINDS[compute] | {f"throttling-{part}" for part in parts} | {
            f"capacity-at-max-{part}-{direction}" for part in parts for direction in ("read", "write")
        }, (root, sorted(kinds))
        # The 5xx rate is the service's own Fault metric: a Flask 500 counts on ECS and Lambda alike.
        (rate,) = [alarm for alarm in alarms if alarm["alarm_name"].endswith("-5xx-rate")]
        assert {query["metric"][0]["namespace"] for query in rate["metric_query"] if query["metric"]} == {
            namespace
        }
    # ECS/ContainerInsights publishes only for a cluster that has it on.
    if compute == "ecs":
        (cluster,) = [
            change["change"]["after"]
            for change in done.plans[PLATFORM][1]["resource_changes"]
            if change["type"] == "aws_ecs_cluster"
        ]
        assert {"name": "containerInsights", "value": "enabled"} in cluster["setting"]
