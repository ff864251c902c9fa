"""The products service's Lambda image answers an API Gateway HTTP API (payload 2.0) event.

The image's base is the stand-in for public.ecr.aws/lambda/python:3.11 (scripts/build-base-images):
its entrypoint runs the image's CMD handler under AWS's runtime interface client (awslambdaric),
which takes invocations from the Lambda Runtime API. AWS's runtime interface emulator, which the
official image starts when no Runtime API is given, is published on none of the registries this
project may use, so this test serves the Runtime API's four calls itself, as Lambda does: the
client asks for the next invocation, runs the handler and posts its result back.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from devstack import free_port

from .conftest import HOST_LOOPBACK, LAMBDA_IMAGE, LAMBDA_SERVICE, BuiltImage, ContainerStack

RUNTIME_API = "/2018-06-01/runtime"
INVOCATION_DEADLINE_SECONDS = 90.0
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:shopsmart-products"


class RuntimeApi(ThreadingHTTPServer):
    """One invocation's worth of the Lambda Runtime API: the event is handed out once, and the
    handler's response, error or init error is kept; later polls wait until the server closes."""

    daemon_threads = True

    def __init__(self, event: dict[str, Any]) -> None:
        super().__init__(("127.0.0.1", free_port()), _RuntimeApiHandler)
        self.event = event
        self.request_id = str(uuid.uuid4())
        self.handed_out = threading.Event()
        self.answered = threading.Event()
        self.closing = threading.Event()
        self.outcome: tuple[str, Any] | None = None

    def answer(self, kind: str, body: bytes) -> None:
        self.outcome = (kind, json.loads(body or b"null"))
        self.answered.set()


class _RuntimeApiHandler(BaseHTTPRequestHandler):
    server: RuntimeApi

    def do_GET(self) -> None:
        if self.path != f"{RUNTIME_API}/invocation/next":
            self._reply(404, {"errorMessage": f"no route {self.path}"})
        elif self.server.handed_out.is_set():
            self.server.closing.wait()
        else:
            self.server.handed_out.set()
            deadline_ms = int((time.time() + 30) * 1000)
            self._reply(
                200,
                self.server.event,
                {
                    "Lambda-Runtime-Aws-Request-Id": self.server.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                    "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
                },
            )

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        kind = self.path.rsplit("/", 1)[-1]
        if kind not in {"response", "error"}:
            self._reply(404, {"errorMessage": f"no route {self.path}"})
            return
        self.server.answer(f"init {kind}" if "/init/" in self.path else kind, body)
        self._reply(202, {"status": "OK"})

    def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reports what matters."""


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
    server = RuntimeApi(http_api_event("/products", "limit=3"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.closing.set()
    server.shutdown()
    server.server_close()


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

    answered = runtime_api.answered.wait(INVOCATION_DEADLINE_SECONDS)
    logs = container_stack.podman.logs(function)
    container_stack.podman("rm", "--force", "--time=0", function)

    assert answered, f"no answer within {INVOCATION_DEADLINE_SECONDS:.0f} s:\n{logs}"
    kind, result = runtime_api.outcome
    assert kind == "response", (kind, result, logs)
    assert result["statusCode"] == 200, result
    page = json.loads(result["body"])
    assert 1 <= len(page["items"]) <= 3
    assert all(item["product_id"] and item["price"] for item in page["items"])
