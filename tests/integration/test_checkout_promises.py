"""Promises to a shopper, on the real stack (DynamoDB Local, the services under gunicorn, the
gateway where a shopper would go through it):

- nothing stranded: a reserve that reached products is never forgotten, whether its answer was
  lost and the retries refused, or a replay took the order over during a products outage; and
  recovery releases stock held by orders that are gone;
- a cart is bought at most once, whatever the keys of its checkouts;
- the shopper confirms what they pay: a price rise since the cart was shown is a 409 naming it.

Each test ends with the stock audit (`load.audit`, which reads the tables raw).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from devstack.faults import DROP, RELAY, Exchange, FaultProxy
from load.audit import audit
from load.shop import recover_once, settle_orders

PROBLEM = "application/problem+json"
TIMEOUT = 30
LEASE_SECONDS = "2"
RESERVE_PATH = "/internal/v1/reservations"
SERVICE_SCOPE = "shopsmart/internal"


def _is_reservation(exchange: Exchange) -> bool:
    return exchange.method == "POST" and exchange.path == RESERVE_PATH and exchange.status in (200, 201)


class Shopper:
    """One shopper (a user id starting with `prefix`) talking to one cart and one orders URL."""

    def __init__(self, auth_headers: Callable[..., dict[str, str]], prefix: str, cart: str, orders: str):
        self.user_id = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.headers = auth_headers(self.user_id)
        self.cart = cart
        self.orders = orders

    def add(self, product_id: str, quantity: int) -> None:
        body = {"product_id": product_id, "quantity": quantity}
        response = requests.post(f"{self.cart}/cart/items", json=body, headers=self.headers, timeout=TIMEOUT)
        assert response.status_code in (200, 201), response.text

    def view(self) -> dict[str, Any]:
        response = requests.get(f"{self.cart}/cart", headers=self.headers, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return response.json()

    def checkout(self, key: str, version: str) -> requests.Response:
        return requests.post(
            f"{self.orders}/orders",
            headers={**self.headers, "Idempotency-Key": key},
            json={"cart_version": version},
            timeout=TIMEOUT,
        )

    def order(self, order_id: str) -> requests.Response:
        return requests.get(f"{self.orders}/orders/{order_id}", headers=self.headers, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def shared(start_service) -> dict[str, str]:
    return {name: start_service(name) for name in ("products", "cart", "orders", "gateway")}


@pytest.fixture(scope="module")
def admin(auth_headers) -> dict[str, str]:
    return auth_headers("promises-admin", groups=["admin"])


def new_product(products: str, admin: dict[str, str], stock: int, price: str = "5.00") -> str:
    body = {"name": "Promise mug", "price": price, "category": "Promises", "inventory_count": stock}
    response = requests.post(f"{products}/products", json=body, headers=admin, timeout=TIMEOUT)
    assert response.status_code == 201, response.text
    return response.json()["product_id"]


def orders_environment(
    stack_variables: dict[str, str], products: str, cart: str, **overrides: str
) -> dict[str, str]:
    """The variables of an orders instance of a test's own, calling products at `products`."""
    return {**stack_variables, "SHOPSMART_PRODUCTS_URL": products, "SHOPSMART_CART_URL": cart, **overrides}


def assert_audited_clean(dynamo_client, dynamo_settings, stock: dict[str, int], prefix: str) -> None:
    report = audit(dynamo_client, dynamo_settings, stock, prefix, held_timeout_seconds=0)
    assert report.clean, report


def test_a_reserve_whose_answer_was_lost_and_whose_retries_were_refused_is_confirmed_by_recovery(
    shared, admin, start_extra_service, stack_variables, auth_headers, dynamo_client, dynamo_settings
):
    products = start_extra_service("products", {})
    product_id = new_product(products.base_url, admin, stock=10)
    prefix = f"strand-lost-{uuid.uuid4().hex[:6]}"

    def forward_then_vanish(exchange: Exchange) -> str:
        if _is_reservation(exchange):  # written; then products dies and its host refuses
            products.kill()
            proxy.refuse_connections()
            return DROP
        return RELAY

    with FaultProxy(products.base_url, forward_then_vanish) as proxy:
        environment = orders_environment(
            stack_variables, proxy.url, shared["cart"], SHOPSMART_CHECKOUT_LEASE_SECONDS=LEASE_SECONDS
        )
        orders = start_extra_service("orders", environment)
        shopper = Shopper(auth_headers, prefix, shared["cart"], orders.base_url)
        shopper.add(product_id, 2)

        answer = shopper.checkout(uuid.uuid4().hex, shopper.view()["version"])
        assert answer.status_code == 503, answer.text
        assert sum(map(_is_reservation, proxy.forwarded)) == 1
        order_id = answer.json()["order_id"]
        # Not forgotten: the reserve may have landed (it did), so the order waits for recovery.
        assert shopper.order(order_id).json()["status"] == "PENDING"

    products.start()
    settle_orders(
        {**environment, "SHOPSMART_PRODUCTS_URL": products.base_url}, dynamo_client, dynamo_settings, prefix
    )
    settled = shopper.order(order_id).json()
    assert (settled["status"], settled["total_price"]) == ("CONFIRMED", "10.00")
    assert_audited_clean(dynamo_client, dynamo_settings, {product_id: 10}, prefix)


def test_a_replay_during_a_products_outage_then_a_changed_cart_still_ends_in_the_first_order(
    shared, admin, start_extra_service, stack_variables, auth_headers, dynamo_client, dynamo_settings
):
    products = start_extra_service("products", {})
    bought, added_later = new_product(products.base_url, admin, 10), new_product(products.base_url, admin, 10)
    prefix = f"strand-replay-{uuid.uuid4().hex[:6]}"
    key = uuid.uuid4().hex

    with FaultProxy(
        products.base_url, lambda exchange: DROP if _is_reservation(exchange) else RELAY
    ) as proxy:
        environment = orders_environment(
            stack_variables, proxy.url, shared["cart"], SHOPSMART_CHECKOUT_LEASE_SECONDS=LEASE_SECONDS
        )
        orders = start_extra_service("orders", environment)
        shopper = Shopper(auth_headers, prefix, shared["cart"], orders.base_url)
        shopper.add(bought, 2)
        shown = shopper.view()["version"]

        first = shopper.checkout(key, shown)  # reserved, every answer lost
        assert first.status_code == 503, first.text
        order_id = first.json()["order_id"]

        proxy.refuse_connections()  # products is down: the replay's take-over cannot connect
        replay = shopper.checkout(key, shown)
        assert replay.status_code == 503, replay.text
        assert shopper.order(order_id).json()["status"] == "PENDING"

        shopper.add(added_later, 1)  # the shopper changes the cart and retries the key
        proxy.reset()
        proxy.accept_connections()
        retried = shopper.checkout(key, shopper.view()["version"])

    assert retried.status_code == 200, retried.text  # a replay: the order the key stands for
    order = retried.json()
    assert (order["order_id"], order["status"]) == (order_id, "CONFIRMED")
    assert [(item["product_id"], item["quantity"]) for item in order["items"]] == [(bought, 2)]
    assert {item["product_id"]: item["quantity"] for item in shopper.view()["items"]} == {added_later: 1}
    settle_orders(
        {**environment, "SHOPSMART_PRODUCTS_URL": products.base_url}, dynamo_client, dynamo_settings, prefix
    )
    assert_audited_clean(dynamo_client, dynamo_settings, {bought: 10, added_later: 10}, prefix)


def test_recovery_releases_stock_held_by_an_order_that_is_gone_but_not_by_a_pending_one(
    shared, admin, start_extra_service, stack_variables, auth_headers, dynamo_client, dynamo_settings
):
    product_id = new_product(shared["products"], admin, stock=10)
    service = auth_headers("promises-orders", scopes=[SERVICE_SCOPE])
    orphan = f"orphan-{uuid.uuid4().hex}"
    body = {"order_id": orphan, "items": [{"product_id": product_id, "quantity": 3}]}
    reserved = requests.post(
        f"{shared['products']}{RESERVE_PATH}", json=body, headers=service, timeout=TIMEOUT
    )
    assert reserved.status_code == 201, reserved.text

    prefix = f"sweep-{uuid.uuid4().hex[:6]}"
    with FaultProxy(
        shared["products"], lambda exchange: DROP if _is_reservation(exchange) else RELAY
    ) as proxy:
        environment = orders_environment(
            stack_variables, proxy.url, shared["cart"], SHOPSMART_RESERVATION_SWEEP_AGE_SECONDS="0"
        )
        orders = start_extra_service("orders", environment)
        shopper = Shopper(auth_headers, prefix, shared["cart"], orders.base_url)
        shopper.add(product_id, 2)
        pending = shopper.checkout(uuid.uuid4().hex, shopper.view()["version"])
        assert pending.status_code == 503, pending.text  # reserved, the answer lost: PENDING, leased

    settle_variables = {**environment, "SHOPSMART_PRODUCTS_URL": shared["products"]}
    assert "orphan-released" in recover_once(settle_variables)

    def status(order_id: str) -> str:
        answer = requests.get(
            f"{shared['products']}{RESERVE_PATH}/{order_id}", headers=service, timeout=TIMEOUT
        )
        return answer.json()["status"]

    assert status(orphan) == "RELEASED"
    assert status(pending.json()["order_id"]) == "RESERVED"  # its order may yet confirm
    stock = requests.get(f"{shared['products']}/products/{product_id}", timeout=TIMEOUT).json()
    assert stock["inventory_count"] == 8


def test_one_cart_checked_out_with_five_keys_at_once_is_bought_once(
    shared, admin, auth_headers, dynamo_client, dynamo_settings
):
    gateway = shared["gateway"]
    product_id = new_product(gateway, admin, stock=5)
    prefix = f"one-cart-{uuid.uuid4().hex[:6]}"
    shopper = Shopper(auth_headers, prefix, gateway, gateway)
    shopper.add(product_id, 1)
    shown = shopper.view()["version"]
    start = threading.Barrier(5)

    def tab(_: int) -> requests.Response:
        key = uuid.uuid4().hex
        start.wait(timeout=TIMEOUT)
        return shopper.checkout(key, shown)

    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(tab, range(5)))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201, 409, 409, 409, 409], [answer.text for answer in answers]
    [placed] = [answer.json() for answer in answers if answer.status_code == 201]
    for refused in (answer for answer in answers if answer.status_code == 409):
        assert refused.headers["Content-Type"] == PROBLEM
        problem = refused.json()
        assert problem["type"].endswith("/cart-checkout-in-progress"), problem
        assert problem["holding_order_id"] == placed["order_id"]
        assert placed["order_id"] in problem["detail"]
    assert requests.get(f"{gateway}/products/{product_id}", timeout=TIMEOUT).json()["inventory_count"] == 4
    mine = requests.get(f"{gateway}/orders", headers=shopper.headers, timeout=TIMEOUT).json()["items"]
    assert [order["order_id"] for order in mine] == [placed["order_id"]]
    assert_audited_clean(dynamo_client, dynamo_settings, {product_id: 5}, prefix)


def test_a_price_rise_after_the_cart_was_shown_is_409_naming_the_line(
    shared, admin, auth_headers, dynamo_client, dynamo_settings
):
    gateway = shared["gateway"]
    rising, steady = new_product(gateway, admin, stock=5), new_product(gateway, admin, stock=5, price="2.50")
    prefix = f"price-{uuid.uuid4().hex[:6]}"
    shopper = Shopper(auth_headers, prefix, gateway, gateway)
    shopper.add(rising, 1)
    shopper.add(steady, 2)
    shown = shopper.view()
    assert shown["subtotal"] == "10.00"

    product = requests.get(f"{gateway}/products/{rising}", timeout=TIMEOUT)
    repriced = requests.patch(
        f"{gateway}/products/{rising}",
        json={"price": "6.00"},
        headers={**admin, "If-Match": product.headers["ETag"]},
        timeout=TIMEOUT,
    )
    assert repriced.status_code == 200, repriced.text

    refused = shopper.checkout(uuid.uuid4().hex, shown["version"])
    assert refused.status_code == 409 and refused.headers["Content-Type"] == PROBLEM
    problem = refused.json()
    assert problem["type"].endswith("/cart-changed")
    assert problem["changed_items"] == [{"product_id": rising, "old_price": "5.00", "new_price": "6.00"}]
    stock = {
        pid: requests.get(f"{gateway}/products/{pid}", timeout=TIMEOUT).json() for pid in (rising, steady)
    }
    assert [stock[pid]["inventory_count"] for pid in (rising, steady)] == [5, 5]

    confirmed = shopper.checkout(uuid.uuid4().hex, shopper.view()["version"])
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["total_price"] == "11.00"
    assert_audited_clean(dynamo_client, dynamo_settings, {rising: 5, steady: 5}, prefix)
