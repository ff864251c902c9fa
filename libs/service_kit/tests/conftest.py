"""A tiny service built with service_kit the way every ShopSmart service is, on moto's DynamoDB."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from moto import mock_aws

from devstack.keys import LOCAL_ACCEPTED_CLIENTS, LOCAL_SERVICE_CLIENT_ID
from dynamo_common import InvalidCursor, KeySchema, TableSpec, Throttled, Unavailable, to_item
from service_kit.app import DYNAMODB_EXTENSION, ENV_PREFIX, init_dynamodb, init_service, load_config
from service_kit.arguments import ShopBlueprint
from service_kit.auth import admin_required, current_caller, service_required, user_required
from service_kit.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE

TABLE_PREFIX = "kit-"
# The tiny service's one table: stock by product id.
STOCK_TABLE = TableSpec(logical_name="stock", key=KeySchema(partition=("ProductID", "S")))


class WidgetSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1))
    quantity = fields.Integer(load_default=1, validate=validate.Range(min=0))


class Readiness:
    """A readiness check a test can break."""

    def __init__(self) -> None:
        self.failure: Exception | None = None

    def __call__(self) -> None:
        if self.failure:
            raise self.failure


def widgets_blueprint() -> ShopBlueprint:
    blp = ShopBlueprint("widgets", __name__)

    @blp.route("/widgets")
    class Widgets(MethodView):
        @blp.arguments(WidgetSchema)
        @blp.response(201, WidgetSchema)
        def post(self, widget: dict[str, Any]) -> dict[str, Any]:
            return widget

    @blp.route("/stock/<product_id>", methods=["PUT"])
    def put_stock(product_id: str) -> dict[str, str]:
        client = current_app.extensions[DYNAMODB_EXTENSION]
        client.put_item(
            TableName=STOCK_TABLE.table_name(TABLE_PREFIX), Item=to_item({"ProductID": product_id})
        )
        return {"product_id": product_id}

    failures: dict[str, Callable[[], Exception]] = {
        "boom": lambda: RuntimeError("database password is hunter2"),
        "cursor": lambda: InvalidCursor("cursor was not issued for this listing"),
        "throttled": lambda: Throttled("ProvisionedThroughputExceededException"),
        "unavailable": lambda: Unavailable("InternalServerError"),
    }

    @blp.route("/fail/<kind>")
    def fail(kind: str) -> None:
        raise failures[kind]()

    @blp.route("/things/<id:thing_id>")
    def thing(thing_id: str) -> dict[str, str]:
        return {"thing_id": thing_id}

    @blp.route("/me")
    @user_required
    def me() -> dict[str, Any]:
        return {"subject": current_caller().subject}

    @blp.route("/admin", methods=["DELETE"])
    @admin_required
    def admin_only() -> dict[str, Any]:
        return {"subject": current_caller().subject}

    @blp.route("/internal")
    @service_required
    def internal() -> dict[str, Any]:
        return {"subject": current_caller().subject}

    return blp


@pytest.fixture(autouse=True)
def no_shopsmart_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's SHOPSMART_* variables must not leak into the configuration under test."""
    for name in list(os.environ):
        if name.startswith(f"{ENV_PREFIX}_"):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def restore_shopsmart_logging() -> Iterator[None]:
    """init_service points the `shopsmart` logger at this test's stdout; put it back afterwards."""
    logger = logging.getLogger("shopsmart")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers, logger.level, logger.propagate = saved[0], saved[1], saved[2]


@pytest.fixture
def readiness() -> Readiness:
    return Readiness()


class CurrentStdout:
    """Writes to whatever `sys.stdout` is now: pytest swaps it between a fixture's setup and the test."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def make_app(
    jwks_url: str, readiness: Readiness, aws_test_environment: None
) -> Iterator[Callable[..., Flask]]:
    """Build the test service; its JSON logs go to the test's stdout, where `capsys` sees them."""
    with mock_aws():

        def build(dynamodb: bool = False, **overrides: Any) -> Flask:
            """The service; `dynamodb=True` also wires a client (slow to build, so only when needed)."""
            app = Flask("kit_test_service")
            load_config(
                app,
                {"TABLE_PREFIX": TABLE_PREFIX},
                {
                    "TESTING": True,
                    "JWKS_URL": jwks_url,
                    "JWT_AUDIENCE": LOCAL_ACCEPTED_CLIENTS,
                    "SERVICE_CLIENT_ID": LOCAL_SERVICE_CLIENT_ID,
                    **overrides,
                },
            )
            api = init_service(app, "test", readiness)
            (handler,) = logging.getLogger("shopsmart").handlers
            handler.setStream(CurrentStdout())  # type: ignore[attr-defined]
            if dynamodb:
                init_dynamodb(app)
            api.register_blueprint(widgets_blueprint())
            return app

        yield build


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def stdout_json(capsys: pytest.CaptureFixture[str]) -> Callable[[], list[dict[str, Any]]]:
    """Every line printed so far, each parsed as JSON (a line that is not JSON fails the test)."""

    def read() -> list[dict[str, Any]]:
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]

    return read


@pytest.fixture
def assert_problem() -> Callable[..., dict[str, Any]]:
    """Checks a response is problem+json with `status`, and returns its body."""

    def check(response: Any, status: int, slug: str | None = None) -> dict[str, Any]:
        assert response.status_code == status, response.get_data(as_text=True)
        assert response.content_type == PROBLEM_CONTENT_TYPE
        body = response.get_json(force=True)
        assert body["status"] == status
        assert body["title"] and body["detail"]
        assert body["type"].startswith(PROBLEM_TYPE_BASE)
        if slug:
            assert body["type"] == PROBLEM_TYPE_BASE + slug
        return body

    return check


@pytest.fixture
def stock_table() -> TableSpec:
    """The spec of the tiny service's table (created by the test that needs it)."""
    return STOCK_TABLE
