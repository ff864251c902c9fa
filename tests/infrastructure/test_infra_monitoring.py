"""The dashboard shows what the services emit and what AWS measures, for resources that exist.

The services' metric names, namespace and dimensions come from `service_kit.observability`; a
metric added there and missing from the dashboard fails here. Every resource the dashboard and
alarms name arrives through a monitoring variable that the environment fills from real module
outputs (test_infra_terraform checks that every such reference resolves).
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
def monitoring(terraform):
    return terraform.modules["monitoring"]


@pytest.fixture(scope="module")
def dashboard_text(terraform, monitoring) -> str:
    """Everything the dashboard body is built from."""
    return "\n".join(
        terraform.strings([value for name, value in monitoring.locals.items() if name.endswith("widgets")])
    )


def test_the_dashboard_shows_every_metric_the_services_emit(monitoring, dashboard_text) -> None:
    assert set(monitoring.locals["service_metrics"].values()) == emitted_metric_names()
    assert monitoring.locals["service_namespace"] == observability.METRICS_NAMESPACE
    assert monitoring.locals["service_dimensions"] == list(observability.METRIC_DIMENSIONS)
    assert "for key, metric in local.service_metrics" in dashboard_text
    assert "local.service_search" in dashboard_text
    assert "for service in var.services" in dashboard_text


def test_the_services_dimension_values_are_the_environments_services(terraform) -> None:
    assert set(terraform.production.locals["services"]) == emf_service_names()
    assert terraform.production.module_calls["monitoring"]["services"] == "${keys(local.services)}"


@pytest.mark.parametrize("namespace", sorted(AWS_METRICS))
def test_the_dashboard_shows_the_aws_metrics(terraform, monitoring, namespace: str) -> None:
    widget_groups = [
        "\n".join(terraform.strings(value))
        for name, value in monitoring.locals.items()
        if name.endswith("_widgets")
    ]
    for metric in AWS_METRICS[namespace]:
        assert any(
            f'"{namespace}"' in group
            and re.search(rf'"{re.escape(metric)}"|MetricName=\\"{re.escape(metric)}', group)
            for group in widget_groups
        ), metric


def test_target_response_time_is_shown_at_p50_and_p99(monitoring) -> None:
    widgets = str(monitoring.locals["load_balancer_widgets"])
    assert 'stat = "p50"' in widgets and 'stat = "p99"' in widgets


def test_the_dashboard_body_names_only_declared_inputs(terraform, monitoring, dashboard_text) -> None:
    referenced = set(re.findall(r"(?<![\w.])var\.(\w+)", dashboard_text))
    assert referenced <= set(monitoring.variables)
    assert referenced >= {"tables", "services", "load_balancer", "ecs", "http_api", "lambda_functions"}
    dashboard = monitoring.resources["aws_cloudwatch_dashboard.this"]
    assert dashboard["dashboard_body"] == "${jsonencode({widgets = local.dashboard_widgets})}"
    combined = monitoring.locals["dashboard_widgets"]
    for name in monitoring.locals:
        if name.endswith("_widgets") and name != "dashboard_widgets":
            assert f"local.{name}" in combined, name


def test_the_environment_feeds_monitoring_from_module_outputs(terraform) -> None:
    call = terraform.production.module_calls["monitoring"]
    tables = call["tables"]
    for output in ("dynamodb_table_name", "dynamodb_table_index_names", "dynamodb_table_billing_mode"):
        assert f"table.{output}" in tables
        assert output in terraform.modules["dynamodb_table"].outputs
    assert "for name, table in module.table" in tables
    load_balancer = call["load_balancer"]
    for output in ("alb_arn_suffix", "alb_target_group_arn_suffixes"):
        assert f"module.public_alb[0].{output}" in load_balancer
    assert "service.service_name" in call["ecs"] and "module.ecs_service" in call["ecs"]
    assert "module.http_api[0].http_api_id" in call["http_api"]
    assert "function.lambda_function_name" in call["lambda_functions"]


@pytest.mark.parametrize(
    ("alarm", "metric"),
    [
        ("table_throttling", "ThrottleEvents"),
        ("load_balancer_errors", "HTTPCode_Target_5XX_Count"),
        ("target_p99_latency", "TargetResponseTime"),
        ("unhealthy_hosts", "UnHealthyHostCount"),
        ("http_api_errors", "5xx"),
        ("http_api_p99_latency", "Latency"),
        ("function_throttles", "Throttles"),
    ],
)
def test_alarms_notify_the_topic(terraform, monitoring, alarm: str, metric: str) -> None:
    body = monitoring.resources[f"aws_cloudwatch_metric_alarm.{alarm}"]
    assert body["alarm_actions"] == "${local.alarm_actions}"
    used_locals = [
        name for name in monitoring.locals if f"local.{name}" in "\n".join(terraform.strings(body))
    ]
    assert metric in "\n".join(terraform.strings([body, *(monitoring.locals[name] for name in used_locals)]))
    assert monitoring.locals["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]


def test_p99_alarms_use_the_p99_statistic(monitoring) -> None:
    for alarm in ("target_p99_latency", "http_api_p99_latency"):
        assert monitoring.resources[f"aws_cloudwatch_metric_alarm.{alarm}"]["extended_statistic"] == "p99"


def test_the_alarm_topic_is_encrypted(monitoring) -> None:
    assert monitoring.resources["aws_sns_topic.alarms"]["kms_master_key_id"] == "${var.kms_key_arn}"
