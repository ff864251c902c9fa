"""The cart app on moto's DynamoDB, with the products service faked at the ServiceClient boundary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from cart_service import create_app
from cart_service import table as attr
from cart_service.api import PRODUCTS_CLIENT_EXTENSION, REPOSITORY_EXTENSION
from cart_service.repository import CartRepository
from cart_service.table import TABLE_SPEC
from devstack.keys import LOCAL_ACCEPTED_CLIENTS, LOCAL_SERVICE_CLIENT_ID
from dynamo_common import create_tables, from_item, to_item
from service_kit.app import DYNAMODB_EXTENSION
from service_kit.http import Reply

TABLE_PREFIX = "unit-"
CARTS_TABLE = f"{TABLE_PREFIX}carts"
GUEST_TOKEN_SECRET = "unit-test-guest-token-secret-0123456789"


class FakeProducts:
    """Answers like the products service's public reads, and records every call made to it."""

    name = "products"

    def __init__(self) -> None:
        self.catalogue: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, dict[str, Any] | None]] = []

    def add(self, product_id: str, price: str = "10.00", inventory_count: int = 5, **extra: Any) -> None:
        self.catalogue[product_id] = {
            "product_id": product_id,
            "name": extra.get("name", f"Product {product_id}"),
            "description": "",
            "price": price,
            "category": "Kitchen",
            "inventory_count": inventory_count,
            "image_url": extra.get("image_url"),
        }

    def call(self, method: str, path: str, *, params: dict[str, Any] | None = None, **_: Any) -> Reply:
        self.calls.append((method, path, params))
        if method == "GET" and path == "/products":
            ids = params["ids"].split(",") if params else []
            found = [self.catalogue[pid] for pid in ids if pid in self.catalogue]
            return Reply(200, {"items": found, "next_cursor": None})
        if method == "GET" and path.startswith("/products/"):
            product = self.catalogue.get(unquote(path.removeprefix("/products/")))
            if product is None:
                return Reply(404, {"type": "about:blank", "title": "Not Found", "status": 404, "detail": ""})
            return Reply(200, product)
        raise AssertionError(f"the cart made an unexpected call: {method} {path}")


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
                "EMIT_METRICS": False,
                "GUEST_TOKEN_SECRET": GUEST_TOKEN_SECRET,
            }
        )
        create_tables(app.extensions[DYNAMODB_EXTENSION], TABLE_PREFIX, (TABLE_SPEC,))
        yield app


@pytest.fixture
def products(app: Flask) -> FakeProducts:
    fake = FakeProducts()
    app.extensions[PRODUCTS_CLIENT_EXTENSION] = fake
    return fake


@pytest.fixture
def client(app: Flask, products: FakeProducts) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def repository(app: Flask) -> CartRepository:
    return app.extensions[REPOSITORY_EXTENSION]


@pytest.fixture
def alice(auth_headers) -> dict[str, str]:
    return auth_headers("alice")


@pytest.fixture
def bob(auth_headers) -> dict[str, str]:
    return auth_headers("bob")


@pytest.fixture
def service(auth_headers) -> dict[str, str]:
    return auth_headers("orders", scopes=["shopsmart/internal"])


@pytest.fixture
def new_guest(client: FlaskClient) -> Callable[[], dict[str, str]]:
    """`new_guest()` → the `X-Guest-Token` header of a fresh guest, issued by the cart."""

    def issue() -> dict[str, str]:
        response = client.post("/cart/guest")
        assert response.status_code == 201, response.get_data(as_text=True)
        return {"X-Guest-Token": response.json["guest_token"]}

    return issue


@pytest.fixture
def stored(app: Flask) -> Callable[[str, str], dict[str, Any] | None]:
    """The raw item of a cart line or header (`#cart`), as DynamoDB holds it."""

    def read(user_id: str, product_id: str) -> dict[str, Any] | None:
        key = to_item({attr.USER_ID: user_id, attr.PRODUCT_ID: product_id})
        item = app.extensions[DYNAMODB_EXTENSION].get_item(TableName=CARTS_TABLE, Key=key).get("Item")
        return from_item(item) if item else None

    return read


@pytest.fixture
def set_expiry(app: Flask) -> Callable[[str, str, int], None]:
    """Move an item's ExpiresAt, as time passing would."""

    def move(user_id: str, product_id: str, expires_at: int) -> None:
        app.extensions[DYNAMODB_EXTENSION].update_item(
            TableName=CARTS_TABLE,
            Key=to_item({attr.USER_ID: user_id, attr.PRODUCT_ID: product_id}),
            UpdateExpression="SET #expires = :expires",
            ExpressionAttributeNames={"#expires": attr.EXPIRES_AT},
            ExpressionAttributeValues={":expires": {"N": str(expires_at)}},
        )

    return move
