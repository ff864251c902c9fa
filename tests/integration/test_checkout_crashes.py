"""Crashes in the middle of a checkout, on the real stack: products SIGKILLed right after it
wrote a reservation, and orders SIGKILLed while checkouts are in flight. After a restart and a
recovery run, every order is CONFIRMED or FAILED and every unit of stock is accounted for."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from devstack.faults import DROP, RELAY, Exchange, FaultProxy
from load.audit import audit
from load.shop import split_stock
from products_service.reservation_repository import ReservationRepository
from products_service.reservations import stock_ledger
from products_service.table import TABLE_SPEC as PRODUCTS_TABLE

LEASE_SECONDS = "2"
RESERVE_PATH = "/internal/v1/reservations"


def _is_reservation(exchange: Exchange) -> bool:
    return exchange.method == "POST" and exchange.path == RESERVE_PATH and exchange.status in (200, 201)


@pytest.fixture(scope="module")
def shared(start_service) -> dict[str, str]:
    return {name: start_service(name) for name in ("products", "cart")}


@pytest.fixture(scope="module")
def ledger(dynamo_client, dynamo_settings) -> Callable[[str], tuple[int, int, int]]:
    repository = ReservationRepository(dynamo_client, dynamo_settings.table_name(PRODUCTS_TABLE))

    def position(product_id: str) -> tuple[int, int, int]:
        entry = stock_ledger(repository)[product_id]
        return entry.current, entry.reserved, entry.sold

    return position


def new_product(products: str, admin: dict[str, str], stock: int) -> str:
    product_id = f"crash-{uuid.uuid4().hex[:10]}"
    body = {
        "product_id": product_id,
        "name": "Crash kettle",
        "price": "12.34",
        "category": "Crash",
        "inventory_count": stock,
    }
    assert requests.post(f"{products}/products", json=body, headers=admin, timeout=10).status_code == 201
    return product_id


def fill_cart(cart: str, headers: dict[str, str], product_id: str, quantity: int) -> None:
    response = requests.post(
        f"{cart}/cart/items",
        json={"product_id": product_id, "quantity": quantity},
        headers=headers,
        timeout=10,
    )
    assert response.status_code in (200, 201), response.text


def cart_version(cart: str, headers: dict[str, str]) -> str:
    response = requests.get(f"{cart}/cart", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["version"]


def try_checkout(orders: str, headers: dict[str, str], version: str) -> int | None:
    """The status of a checkout confirming `version`, or None when the connection died with the service."""
    try:
        return requests.post(
            f"{orders}/orders",
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            json={"cart_version": version},
            timeout=30,
        ).status_code
    except requests.ConnectionError:
        return None


def recover_until_settled(
    environment: dict[str, str], orders: str, users: list[dict[str, str]], deadline_seconds: float = 60
) -> list[dict]:
    """Run the recovery command until no order of these users is PENDING; their orders."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "orders_service", "recover"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        placed = [
            order
            for headers in users
            for order in requests.get(f"{orders}/orders", headers=headers, timeout=10).json()["items"]
        ]
        if all(order["status"] != "PENDING" for order in placed):
            return placed
        assert time.monotonic() < deadline, f"orders still PENDING: {placed}"


def test_products_killed_right_after_writing_a_reservation(
    shared, start_extra_service, stack_variables, auth_headers, ledger, dynamo_client, dynamo_settings
):
    admin = auth_headers("crash-admin", groups=["admin"])
    products = start_extra_service("products", {})
    product_id = new_product(products.base_url, admin, stock=10)

    def crash_after_reserving(exchange: Exchange) -> str:
        if _is_reservation(exchange):
            products.kill()
            return DROP
        return RELAY

    with FaultProxy(products.base_url, crash_after_reserving) as proxy:
        environment = {
            **stack_variables,
            "SHOPSMART_PRODUCTS_URL": proxy.url,
            "SHOPSMART_CART_URL": shared["cart"],
            "SHOPSMART_CHECKOUT_LEASE_SECONDS": LEASE_SECONDS,
        }
        orders = start_extra_service("orders", environment)
        shopper_id = f"crash-{uuid.uuid4().hex[:8]}"
        shopper = auth_headers(shopper_id)
        fill_cart(shared["cart"], shopper, product_id, 2)

        assert try_checkout(orders.base_url, shopper, cart_version(shared["cart"], shopper)) == 503
        assert not products.running
        assert ledger(product_id) == (8, 2, 0)  # written, then the process died
        products.start()
        settled = recover_until_settled(
            {**environment, "SHOPSMART_PRODUCTS_URL": products.base_url}, orders.base_url, [shopper]
        )

    assert [order["status"] for order in settled] == ["CONFIRMED"]
    assert settled[0]["total_price"] == "24.68"
    assert ledger(product_id) == (8, 0, 2)
    report = audit(dynamo_client, dynamo_settings, {product_id: 10}, shopper_id, held_timeout_seconds=0)
    assert report.clean, report


@pytest.mark.parametrize("shards", [1, 4], ids=["one-stock-item", "four-stock-shards"])
def test_orders_killed_while_checkouts_are_in_flight(
    shared, start_extra_service, stack_variables, auth_headers, ledger, dynamo_client, dynamo_settings, shards
):
    admin = auth_headers("crash-admin", groups=["admin"])
    product_id = new_product(shared["products"], admin, stock=20)
    if shards > 1:
        split_stock(shared["products"], admin, product_id, shards)
    run = f"inflight-{uuid.uuid4().hex[:8]}"
    users = [auth_headers(f"{run}-{uuid.uuid4().hex[:8]}") for _ in range(6)]
    for headers in users:
        fill_cart(shared["cart"], headers, product_id, 1)

    with FaultProxy(shared["products"]) as proxy:
        environment = {
            **stack_variables,
            "SHOPSMART_PRODUCTS_URL": proxy.url,
            "SHOPSMART_CART_URL": shared["cart"],
            "SHOPSMART_CHECKOUT_LEASE_SECONDS": LEASE_SECONDS,
        }
        orders = start_extra_service("orders", environment)
        proxy.gate.clear()  # reservations are written, but their answers are held back
        with ThreadPoolExecutor(max_workers=len(users)) as pool:
            versions = [cart_version(shared["cart"], headers) for headers in users]
            attempts = [
                pool.submit(try_checkout, orders.base_url, headers, version)
                for headers, version in zip(users, versions, strict=True)
            ]
            assert proxy.wait_for(lambda seen: sum(map(_is_reservation, seen)) >= 3, timeout=30)
            orders.kill()
            proxy.gate.set()
            statuses = [attempt.result() for attempt in attempts]
        assert None in statuses

        orders.start()
        settled = recover_until_settled(environment, orders.base_url, users)

    assert {order["status"] for order in settled} <= {"CONFIRMED", "FAILED"}
    current, reserved, sold = ledger(product_id)
    assert reserved == 0
    assert current + sold == 20
    confirmed = sum(order["status"] == "CONFIRMED" for order in settled)
    assert sold == confirmed
    report = audit(dynamo_client, dynamo_settings, {product_id: 20}, run, held_timeout_seconds=0)
    assert report.clean, report
    assert report.shards_audited == shards - 1
