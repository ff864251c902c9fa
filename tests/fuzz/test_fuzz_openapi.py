"""Property-based fuzzing of each service's published OpenAPI document, against the running stack.

schemathesis reads `/openapi.json` from the service under gunicorn (on DynamoDB Local) and sends
generated requests, valid and invalid, with real tokens: an admin's on the catalogue, a shopper's
on carts and orders, the service credential on `/internal/...`. Every response must be no 5xx,
carry a documented status and content type, and match the documented schema: the document is the
contract clients are built from, so a mismatch is a bug on one side or the other.

Products, a filled cart and an order are arranged for the cart and orders runs (after the catalogue
run, which creates, changes and deletes products of its own), so reads return real items and each
generated checkout has something to buy. The run is bounded and seeded: the same requests each time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ_CONFIG = {
    "seed": 20_260_311,
    "request-timeout": 10,
    "generation": {"mode": "all", "max-examples": 10, "deterministic": True, "database": "none"},
    # No examples are documented, and stateful links are not: those phases would find nothing to run.
    "phases": {"examples": {"enabled": False}, "stateful": {"enabled": False}},
}
INTERNAL_PREFIX = "/internal/"
ADMIN = "fuzz-admin"
SHOPPER = "fuzz-shopper"
TIMEOUT = 10


def _schema(base_url: str) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict(FUZZ_CONFIG)
    return schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=config, timeout=TIMEOUT)


def _ok(response: requests.Response, status: int) -> requests.Response:
    assert response.status_code == status, response.text
    return response


@pytest.fixture(scope="module")
def admin(auth_headers) -> dict[str, str]:
    return auth_headers(ADMIN, groups=["admin"])


@pytest.fixture(scope="module")
def shopper(auth_headers) -> dict[str, str]:
    return auth_headers(SHOPPER)


@pytest.fixture(scope="module")
def service(auth_headers) -> dict[str, str]:
    return auth_headers("fuzz-svc", scopes=["shopsmart/internal"])


@pytest.fixture(scope="module")
def stocked_products(start_service: Callable[[str], str], admin: dict[str, str]) -> list[str]:
    """Products with stock enough for every generated checkout, in a category of their own."""
    products = start_service("products")
    category = f"Fuzz-{uuid.uuid4().hex[:8]}"
    product_ids = []
    for n, price in enumerate(("4.99", "12.50", "100")):
        body = {"name": f"Fuzz item {n}", "price": price, "category": category, "inventory_count": 100_000}
        created = _ok(requests.post(f"{products}/products", json=body, headers=admin, timeout=TIMEOUT), 201)
        product_ids.append(created.json()["product_id"])
    return product_ids


@pytest.fixture(scope="module")
def fill_cart(
    start_service: Callable[[str], str], stocked_products: list[str], shopper: dict[str, str]
) -> Callable[[], None]:
    """Empty the shopper's cart, then put one of each stocked product in it."""
    cart = start_service("cart")

    def fill() -> None:
        _ok(requests.delete(f"{cart}/cart", headers=shopper, timeout=TIMEOUT), 204)
        for product_id in stocked_products:
            url = f"{cart}/cart/items/{product_id}"
            _ok(requests.put(url, json={"quantity": 1}, headers=shopper, timeout=TIMEOUT), 200)

    return fill


@pytest.fixture(scope="module")
def products_schema(start_service: Callable[[str], str]) -> schemathesis.BaseSchema:
    return _schema(start_service("products"))


@pytest.fixture(scope="module")
def cart_schema(
    start_service: Callable[[str], str], fill_cart: Callable[[], None]
) -> schemathesis.BaseSchema:
    fill_cart()
    return _schema(start_service("cart"))


@pytest.fixture(scope="module")
def orders_schema(
    start_service: Callable[[str], str], fill_cart: Callable[[], None], shopper: dict[str, str]
) -> schemathesis.BaseSchema:
    orders = start_service("orders")
    fill_cart()
    checkout = {**shopper, "Idempotency-Key": uuid.uuid4().hex}
    _ok(requests.post(f"{orders}/orders", headers=checkout, timeout=TIMEOUT), 201)
    return _schema(orders)


def _call_and_validate(case: schemathesis.Case, caller: dict[str, str], service: dict[str, str]) -> None:
    """Send the case as `caller`, or with the service credential on an internal path."""
    headers = service if case.operation.path.startswith(INTERNAL_PREFIX) else caller
    case.call_and_validate(headers=headers, checks=CHECKS)


products = schemathesis.pytest.from_fixture("products_schema")
cart = schemathesis.pytest.from_fixture("cart_schema")
orders = schemathesis.pytest.from_fixture("orders_schema")


@products.parametrize()
def test_products_api_keeps_its_contract(case, admin, service):
    _call_and_validate(case, admin, service)


@cart.parametrize()
def test_cart_api_keeps_its_contract(case, shopper, service):
    _call_and_validate(case, shopper, service)


@orders.parametrize()
def test_orders_api_keeps_its_contract(case, shopper, service, fill_cart):
    if case.operation.method.upper() == "POST" and case.operation.path == "/orders":
        fill_cart()  # so the checkout has lines to buy, and its 201 is checked too
        case.call_and_validate(headers={**shopper, "Idempotency-Key": uuid.uuid4().hex}, checks=CHECKS)
    else:
        _call_and_validate(case, shopper, service)
