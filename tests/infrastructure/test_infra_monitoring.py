"""Each service's dashboard shows what it emits and what AWS measures; its alarms roll its releases back.

The services' metric names, namespace and dimensions come from `service_kit.observability`; a
metric added there and missing from a dashboard fails here. The platform's overview (`monitoring`)
shows the entrance and every service side by side; each service root's `service_monitoring`
shows that service, its table and its tasks or function, and holds its alarms.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from service_kit import observability

SERVICE_PACKAGES = ("products_service", "cart_service", "orders_service")
AWS_METRICS = {
    "AWS/DynamoDB": [
        "ConsumedReadCapacityUnits",
        "ProvisionedReadCapacityUnits",
        "ConsumedWriteCapacityUnits",
        "ProvisionedWriteCapacityUnits",
        "ReadThrottleEvents",
        "WriteThrottleEvents",
        "ThrottledRequests",
        "SuccessfulRequestLatency",
    ],
    "AWS/ApplicationELB": [
        "RequestCount",
        "HTTPCode_Target_4XX_Count",
        "HTTPCode_Target_5XX_Count",
        "HTTPCode_ELB_5XX_Count",
        "TargetResponseTime",
    ],
    "AWS/ECS": ["CPUUtilization", "MemoryUtilization"],
    "ECS/ContainerInsights": ["RunningTaskCount"],
    "AWS/ApiGateway": ["Count", "4xx", "5xx", "Latency"],
    "AWS/Lambda": ["Errors", "Throttles", "ConcurrentExecutions"],
}


def emitted_metric_names() -> set[str]:
    return {value for name, value in vars(observability).items() if name.endswith("_METRIC")}


def emf_service_names() -> set[str]:
    """The Service dimension each service emits: the name its factory gives `init_service`."""
    names = set()
    for package in SERVICE_PACKAGES:
        source = Path(importlib.import_module(package).__file__).read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "init_service":
                names.add(node.args[1].value)
    return names


@pytest.fixture(scope="module")
def overview(terraform):
    return terraform.modules["monitoring"]


@pytest.fixture(scope="module")
def service_monitoring(terraform):
    return terraform.modules["service_monitoring"]


def widget_groups(terraform, module) -> list[str]:
    return [
        "\n".join(terraform.strings(value))
        for name, value in module.locals.items()
        if name.endswith("_widgets")
    ]


def test_each_service_dashboard_shows_every_metric_the_service_emits(terraform, service_monitoring) -> None:
    assert set(service_monitoring.locals["service_metrics"].values()) == emitted_metric_names()
    assert service_monitoring.locals["service_namespace"] == observability.METRICS_NAMESPACE
    assert service_monitoring.locals["service_dimensions"] == list(observability.METRIC_DIMENSIONS)
    widgets = "\n".join(terraform.strings(service_monitoring.locals["service_widgets"]))
    assert "for key, metric in local.service_metrics" in widgets
    assert 'Service=\\"${var.service}\\"' in widgets


def test_the_overview_shows_the_services_side_by_side(terraform, overview) -> None:
    assert set(overview.locals["service_metrics"].values()) <= emitted_metric_names()
    search = overview.locals["service_search"]
    dimensions = ",".join(observability.METRIC_DIMENSIONS)
    assert search == f"{{{observability.METRICS_NAMESPACE},{dimensions}}}"
    assert "for service in var.services" in "\n".join(terraform.strings(overview.locals["service_widgets"]))
    assert terraform.platform.module_calls["monitoring"]["services"] == "${local.services}"


def test_the_services_dimension_values_are_the_service_roots(terraform) -> None:
    assert set(terraform.services) == emf_service_names()
    assert set(terraform.platform.locals["services"]) == emf_service_names()
    for name in terraform.services:
        assert terraform.services[name].module_calls[name]["name"] == name
    assert terraform.modules["shop_service"].module_calls["monitoring"]["service"] == "${var.name}"


def rendered(group: str) -> str:
    """A widget group with its capacity template (`Consumed${metric}CapacityUnits`) filled both ways."""
    return "\n".join(group.replace("${metric}", direction) for direction in ("Read", "Write"))


@pytest.mark.parametrize("namespace", sorted(AWS_METRICS))
def test_the_dashboards_show_the_aws_metrics(terraform, overview, service_monitoring, namespace: str) -> None:
    groups = [
        rendered(group)
        for group in widget_groups(terraform, overview) + widget_groups(terraform, service_monitoring)
    ]
    for metric in AWS_METRICS[namespace]:
        assert any(f'"{namespace}"' in group and metric in group for group in groups), metric


def test_target_response_time_is_shown_at_p50_and_p99(service_monitoring) -> None:
    widgets = str(service_monitoring.locals["load_balancer_widgets"])
    assert 'for stat in ["p50", "p99"]' in widgets and "TargetResponseTime" in widgets


def test_the_dashboard_bodies_name_only_declared_inputs(terraform, overview, service_monitoring) -> None:
    for module, expected in (
        (overview, {"services"}),
        (service_monitoring, {"service", "table"}),
    ):
        text = "\n".join(
            terraform.strings([value for name, value in module.locals.items() if name.endswith("widgets")])
        )
        referenced = set(re.findall(r"(?<![\w.])var\.(\w+)", text))
        assert expected <= referenced <= set(module.variables)
        body = module.resources["aws_cloudwatch_dashboard.this"]["dashboard_body"]
        for name in module.locals:
            if name.endswith("_widgets"):
                assert f"local.{name}" in body, name


def test_each_service_root_feeds_its_monitoring_from_module_outputs(terraform) -> None:
    call = terraform.modules["shop_service"].module_calls["monitoring"]
    for output in ("dynamodb_table_name", "dynamodb_table_index_names"):
        assert f"module.table.{output}" in str(call["table"])
        assert output in terraform.modules["dynamodb_table"].outputs
    assert 'module.routes.alb_route_target_group_arn_suffixes["public"]' in call["load_balancer"]
    assert "var.platform.public_alb_arn_suffix" in call["load_balancer"]
    assert call["alarm_topic_arn"] == "${var.platform.alarm_topic_arn}"


ALARMS = {
    # alarm kind: (metric it watches, the local defining it)
    "5xx-rate": ("local.service_metrics.faults", "service_alarms"),
    "throttling-${part}": ("ThrottleEvents", "table_alarms"),
    "capacity-at-max-${part}-${lower(direction)}": ("Provisioned${direction}CapacityUnits", "table_alarms"),
    "p99-latency": ("TargetResponseTime", "load_balancer_alarms"),
    "unhealthy-hosts": ("UnHealthyHostCount", "load_balancer_alarms"),
    "no-healthy-hosts": ("HealthyHostCount", "load_balancer_alarms"),
    "tasks-at-max": ("RunningTaskCount", "ecs_alarms"),
    "function-errors": ("Errors", "function_alarms"),
    "function-throttles": ("Throttles", "function_alarms"),
    "concurrency-at-max": ("ConcurrentExecutions", "function_alarms"),
}
ALARM_GROUPS = sorted({group for _, group in ALARMS.values()})


@pytest.mark.parametrize("kind", sorted(ALARMS))
def test_each_service_alarm_watches_its_metric_and_notifies_the_topic(
    terraform, service_monitoring, kind
) -> None:
    """The deploy tier checks the planned alarms' metrics against what the code and AWS emit."""
    metric, group = ALARMS[kind]
    text = "\n".join(terraform.strings(service_monitoring.locals[group]))
    assert kind in text and metric in text
    alarm = service_monitoring.resources["aws_cloudwatch_metric_alarm.this"]
    assert terraform.reference(alarm["for_each"]) == "local.alarms"
    assert alarm["alarm_actions"] == ["${var.alarm_topic_arn}"]
    assert alarm["ok_actions"] == ["${var.alarm_topic_arn}"]
    merged = service_monitoring.locals["alarms"]
    assert all(f"local.{name}" in merged for name in ALARM_GROUPS)


def test_the_5xx_rates_read_zero_below_the_minimum_traffic(terraform, service_monitoring) -> None:
    for group, requests in (("service_alarms", "requests"), ("function_alarms", "invocations")):
        text = "\n".join(terraform.strings(service_monitoring.locals[group]))
        assert f"IF({requests} >= ${{var.alarm_thresholds.min_requests}}, 100 * FILL(" in text, group


def test_p99_alarms_use_the_p99_statistic(terraform, service_monitoring) -> None:
    for group in ("load_balancer_alarms", "function_alarms"):
        text = "\n".join(terraform.strings(service_monitoring.locals[group]))
        assert re.search(r'p99-latency = \{.*?stat\s*=\s*"p99"', text, flags=re.S), group


def test_deployments_roll_back_on_the_services_5xx_and_p99_alarms(terraform) -> None:
    outputs = terraform.modules["service_monitoring"].outputs
    rollback = outputs["service_monitoring_rollback_alarm_names"]["value"]
    assert '["5xx-rate", "function-errors", "p99-latency"]' in rollback
    composition = terraform.modules["shop_service"]
    assert (
        composition.module_calls["ecs_service"]["rollback_alarm_names"]
        == "${module.monitoring.service_monitoring_rollback_alarm_names}"
    )
    service = terraform.modules["service"].resources["aws_ecs_service.this"]
    assert service["deployment_circuit_breaker"] == [{"enable": True, "rollback": True}]
    alarms = next(entry["alarms"] for entry in service["dynamic"] if "alarms" in entry)
    assert alarms["content"][0] == {"alarm_names": "${alarms.value}", "enable": True, "rollback": True}


def test_functions_publish_versions_behind_a_live_alias(terraform) -> None:
    module = terraform.modules["lambda_service"]
    assert module.resources["aws_lambda_function.this"]["publish"] is True
    alias = module.resources["aws_lambda_alias.live"]
    assert alias["name"] == "live"
    assert alias["function_version"] == "${aws_lambda_function.this.version}"
    assert module.outputs["lambda_invoke_arn"]["value"] == "${aws_lambda_alias.live.invoke_arn}"
    assert (
        module.resources["aws_lb_target_group_attachment.this"]["target_id"] == "${aws_lambda_alias.live.arn}"
    )


def test_the_alarm_topic_is_encrypted(overview) -> None:
    assert overview.resources["aws_sns_topic.alarms"]["kms_master_key_id"] == "${var.kms_key_arn}"
