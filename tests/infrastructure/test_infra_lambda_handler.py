"""docker/lambda/lambda_handler.py serves a service's Flask app to API Gateway v2 and ALB events.

The handler is invoked directly, as Lambda would, with API Gateway HTTP API (payload 2.0) events, an
ALB event (the internal load balancer) and a scheduled command event, against moto's DynamoDB.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl

import boto3
import pytest
from moto import mock_aws

from devstack import shop_tables
from dynamo_common import create_tables
from products_service.repository import ProductRepository
from products_service.seeding import load_catalogue, seed, shipped_catalogue

REPO_ROOT = Path(__file__).resolve().parents[2]
HANDLER = REPO_ROOT / "docker" / "lambda" / "lambda_handler.py"
TABLE_PREFIX = "lambda-"
REGION = "us-east-1"


def http_api_event(
    method: str, path: str, query: str = "", headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """An API Gateway HTTP API request, payload format 2.0."""
    route_key = f"ANY /{path.strip('/').split('/')[0]}/{{proxy+}}" if path.count("/") > 1 else f"ANY {path}"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": {
            "host": "abc123.execute-api.us-east-1.amazonaws.com",
            "user-agent": "pytest",
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
            **(headers or {}),
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "pytest",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": route_key,
            "stage": "$default",
            "time": "10/Mar/2026:12:00:00 +0000",
            "timeEpoch": 1773144000000,
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = dict(parse_qsl(query))
    return event


def alb_event(method: str, path: str) -> dict[str, Any]:
    """A request through the internal load balancer to a Lambda target group."""
    return {
        "requestContext": {
            "elb": {
                "targetGroupArn": (
                    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/produc/0123456789abcdef"
                )
            }
        },
        "httpMethod": method,
        "path": path,
        "queryStringParameters": {},
        "headers": {
            "host": "internal-shopsmart.us-east-1.elb.amazonaws.com:8001",
            "x-forwarded-proto": "http",
        },
        "body": "",
        "isBase64Encoded": False,
    }


@pytest.fixture
def handler_module(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """A fresh copy of the handler module (its app cache empty), on moto with the tables created."""
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL", "AWS_PROFILE", "SHOPSMART_JWKS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("SHOPSMART_TABLE_PREFIX", TABLE_PREFIX)
    monkeypatch.setenv("SHOPSMART_EMIT_METRICS", "false")
    # As the function's environment has it once its secrets are read (outside a local run a service
    # refuses to start without one).
    monkeypatch.setenv("SHOPSMART_CURSOR_SECRET", "lambda-tier-cursor-secret")
    spec = importlib.util.spec_from_file_location("shopsmart_lambda_handler", HANDLER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with mock_aws():
        create_tables(boto3.client("dynamodb", region_name=REGION), TABLE_PREFIX, shop_tables())
        yield module


@pytest.fixture
def products_function(handler_module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("SHOPSMART_SERVICE_MODULE", "products_service")
    client = boto3.client("dynamodb", region_name=REGION)
    seed(ProductRepository(client, f"{TABLE_PREFIX}products"), load_catalogue(shipped_catalogue()))
    return handler_module


def body_of(response: dict[str, Any]) -> Any:
    assert response["isBase64Encoded"] is False
    return json.loads(response["body"])


def test_health_live_through_the_http_api(products_function: ModuleType) -> None:
    response = products_function.handler(http_api_event("GET", "/health/live"), None)
    assert response["statusCode"] == 200
    assert body_of(response) == {"status": "live"}


def test_a_page_of_products_through_the_http_api(products_function: ModuleType) -> None:
    response = products_function.handler(http_api_event("GET", "/products", "limit=5"), None)
    assert response["statusCode"] == 200
    page = body_of(response)
    assert len(page["items"]) == 5
    assert page["next_cursor"]
    assert {"product_id", "name", "price", "category", "inventory_count"} <= set(page["items"][0])
    following = products_function.handler(
        http_api_event("GET", "/products", f"limit=5&cursor={page['next_cursor']}"), None
    )
    assert {item["product_id"] for item in body_of(following)["items"]}.isdisjoint(
        item["product_id"] for item in page["items"]
    )


def test_one_product_by_id_with_its_etag_and_the_request_id(products_function: ModuleType) -> None:
    first = body_of(products_function.handler(http_api_event("GET", "/products", "limit=1"), None))["items"][
        0
    ]
    response = products_function.handler(
        http_api_event("GET", f"/products/{first['product_id']}", headers={"x-request-id": "lambda-req-1"}),
        None,
    )
    assert response["statusCode"] == 200
    assert body_of(response)["product_id"] == first["product_id"]
    headers = {name.lower(): value for name, value in response["headers"].items()}
    assert headers["etag"]
    assert headers["x-request-id"] == "lambda-req-1"


def test_an_unknown_product_is_a_problem(products_function: ModuleType) -> None:
    response = products_function.handler(http_api_event("GET", "/products/no-such-product"), None)
    assert response["statusCode"] == 404
    headers = {name.lower(): value for name, value in response["headers"].items()}
    assert headers["content-type"].startswith("application/problem+json")
    assert body_of(response)["status"] == 404


def test_readiness_through_the_internal_load_balancer(products_function: ModuleType) -> None:
    response = products_function.handler(alb_event("GET", "/health/ready"), None)
    assert response["statusCode"] == 200
    assert body_of(response) == {"status": "ready"}


def test_the_app_is_built_once_per_execution_environment(products_function: ModuleType) -> None:
    for _ in range(3):
        products_function.handler(http_api_event("GET", "/health/live"), None)
    assert products_function._service.cache_info().misses == 1


def test_a_scheduled_command_runs_the_apps_cli(
    handler_module: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOPSMART_SERVICE_MODULE", "orders_service")
    result = handler_module.handler({"shopsmart_command": "recover"}, None)
    assert result == {"command": "recover", "status": "done"}
    # The CLI's own summary line proves it ran; what it found depends on the services it could reach.
    summaries = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Recovery: ")]
    assert len(summaries) == 1, summaries


def test_secrets_are_fetched_once_by_arn_before_the_app_is_built(
    handler_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Terraform gives the function the secrets' ARNs only; their values never enter its state."""
    monkeypatch.setenv("SHOPSMART_SERVICE_MODULE", "products_service")
    monkeypatch.delenv("SHOPSMART_CURSOR_SECRET", raising=False)
    secrets = boto3.client("secretsmanager", region_name=REGION)
    arn = secrets.create_secret(Name="cursor", SecretString="fetched-at-run-time-0123456789")["ARN"]
    monkeypatch.setenv("SHOPSMART_SECRET_ARNS", json.dumps({"SHOPSMART_CURSOR_SECRET": arn}))
    calls = []
    real_client = boto3.client

    def counted_client(name: str, **kwargs: Any) -> Any:
        calls.append(name)
        return real_client(name, **kwargs)

    monkeypatch.setattr(handler_module.boto3, "client", counted_client)
    for _ in range(2):
        assert handler_module.handler(http_api_event("GET", "/health/live"), None)["statusCode"] == 200
    app, _ = handler_module._service()
    assert app.config["CURSOR_SECRET"] == "fetched-at-run-time-0123456789"
    assert calls.count("secretsmanager") == 1


def test_during_a_rotation_the_previous_secret_is_read_by_its_version_stage(
    handler_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The platform publishes the value before the last rotation as ECS's reference
    `<ARN>::AWSPREVIOUS:` (terraform/platform/publish.tf); the handler reads that version."""
    monkeypatch.setenv("SHOPSMART_SERVICE_MODULE", "products_service")
    monkeypatch.delenv("SHOPSMART_CURSOR_SECRET", raising=False)
    secrets = boto3.client("secretsmanager", region_name=REGION)
    arn = secrets.create_secret(Name="cursor", SecretString="the-key-before-the-rotation-0123")["ARN"]
    secrets.put_secret_value(SecretId=arn, SecretString="the-key-after-the-rotation-456789")
    references = {"SHOPSMART_CURSOR_SECRET": arn, "SHOPSMART_CURSOR_PREVIOUS_SECRET": f"{arn}::AWSPREVIOUS:"}
    monkeypatch.setenv("SHOPSMART_SECRET_ARNS", json.dumps(references))
    assert handler_module.handler(http_api_event("GET", "/health/live"), None)["statusCode"] == 200
    app, _ = handler_module._service()
    assert app.config["CURSOR_SECRET"] == "the-key-after-the-rotation-456789"
    assert app.config["CURSOR_PREVIOUS_SECRET"] == "the-key-before-the-rotation-0123"
