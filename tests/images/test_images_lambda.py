"""The products service's Lambda image answers an API Gateway HTTP API (payload 2.0) event.

The image's base is the stand-in for public.ecr.aws/lambda/python:3.11 (scripts/build-base-images):
its entrypoint runs the image's CMD handler under AWS's runtime interface client (awslambdaric),
which takes invocations from the Lambda Runtime API; test_kit's `RuntimeApi` serves it, as Lambda
does (the deploy tier runs every function through it too).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from test_kit.lambda_runtime import NoAnswer, RuntimeApi

from .conftest import HOST_LOOPBACK, LAMBDA_IMAGE, LAMBDA_SERVICE, BuiltImage, ContainerStack

INVOCATION_DEADLINE_SECONDS = 90.0
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:shopsmart-products"


def http_api_event(path: str, query: str) -> dict[str, Any]:
    """A GET through API Gateway's HTTP API, payload format 2.0."""
    return {
        "version": "2.0",
        "routeKey": "ANY /products",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": "shop.example.com", "accept": "application/json", "user-agent": "images-tier"},
        "queryStringParameters": dict(pair.split("=", 1) for pair in query.split("&")),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "shopsmart",
            "domainName": "shop.example.com",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "images-tier",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "ANY /products",
            "stage": "$default",
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }


@pytest.fixture
def runtime_api() -> Iterator[RuntimeApi]:
    with RuntimeApi(FUNCTION_ARN) as server:
        yield server


def test_the_products_function_answers_an_api_gateway_event(
    container_stack: ContainerStack, built_images: dict[str, BuiltImage], runtime_api: RuntimeApi
) -> None:
    lambda_image = container_stack.podman.inspect("image", LAMBDA_IMAGE)["Config"]
    assert "LAMBDA_TASK_ROOT=/var/task" in lambda_image["Env"]
    function_environment = {
        **container_stack.environment(LAMBDA_SERVICE),
        "AWS_LAMBDA_RUNTIME_API": f"{HOST_LOOPBACK}:{runtime_api.server_port}",
        "AWS_LAMBDA_FUNCTION_NAME": "shopsmart-products",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    }
    function = container_stack.container(f"{LAMBDA_SERVICE}-lambda")
    options = container_stack.run_options(LAMBDA_SERVICE, function_environment, container=function)
    container_stack.podman("run", "--detach", *options, LAMBDA_IMAGE)

    try:
        outcome = runtime_api.invoke(http_api_event("/products", "limit=3"), INVOCATION_DEADLINE_SECONDS)
    except NoAnswer:
        outcome = None
    logs = container_stack.podman.logs(function)
    container_stack.podman("rm", "--force", "--time=0", function)

    assert outcome is not None, f"no answer within {INVOCATION_DEADLINE_SECONDS:.0f} s:\n{logs}"
    kind, result = outcome
    assert kind == "response", (kind, result, logs)
    assert result["statusCode"] == 200, result
    page = json.loads(result["body"])
    assert 1 <= len(page["items"]) <= 3
    assert all(item["product_id"] and item["price"] for item in page["items"])
