"""The products app on moto's DynamoDB, with a client and tokens signed by a test key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from devstack.keys import LOCAL_ACCEPTED_CLIENTS, LOCAL_SERVICE_CLIENT_ID
from dynamo_common import create_tables
from products_service import create_app
from products_service.table import TABLE_SPEC
from service_kit.app import DYNAMODB_EXTENSION

TABLE_PREFIX = "unit-"
RESERVATIONS = "/internal/v1/reservations"


@pytest.fixture
def app(jwks_url: str, aws_test_environment: None) -> Iterator[Flask]:
    with mock_aws():
        app = create_app(
            {
                "TESTING": True,
                "TABLE_PREFIX": TABLE_PREFIX,
                "JWKS_URL": jwks_url,
                "JWT_AUDIENCE": LOCAL_ACCEPTED_CLIENTS,
                "SERVICE_CLIENT_ID": LOCAL_SERVICE_CLIENT_ID,
                "CURSOR_SECRET": "unit-test-cursor-secret",
                "EMIT_METRICS": False,
            }
        )
        create_tables(app.extensions[DYNAMODB_EXTENSION], TABLE_PREFIX, (TABLE_SPEC,))
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def admin(auth_headers) -> dict[str, str]:
    return auth_headers("ada", groups=["admin"])


@pytest.fixture
def shopper(auth_headers) -> dict[str, str]:
    return auth_headers("sam")


@pytest.fixture
def make_product(client: FlaskClient, admin: dict[str, str]):
    """Create a product through the API and return its JSON."""

    def make(**overrides: object) -> dict:
        body = {"name": "Teapot", "price": "19.99", "category": "Kitchen", "inventory_count": 5}
        body.update(overrides)
        response = client.post("/products", json=body, headers=admin)
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def service(auth_headers) -> dict[str, str]:
    return auth_headers("orders", scopes=["shopsmart/internal"])


@pytest.fixture
def stock(client: FlaskClient):
    """The stock a product shows."""

    def read(product_id: str) -> int:
        return client.get(f"/products/{product_id}").json["inventory_count"]

    return read


@pytest.fixture
def reserve(client: FlaskClient, service: dict[str, str]):
    """Reserve stock for an order, as the orders service does."""

    def send(order_id: str, **quantities: int):
        items = [{"product_id": pid, "quantity": quantity} for pid, quantity in quantities.items()]
        return client.post(RESERVATIONS, json={"order_id": order_id, "items": items}, headers=service)

    return send


@pytest.fixture
def step(client: FlaskClient, service: dict[str, str]):
    """Release, commit or return an order's reservation, as the orders service does."""

    def send(order_id: str, action: str):
        return client.post(f"{RESERVATIONS}/{order_id}/{action}", headers=service)

    return send
