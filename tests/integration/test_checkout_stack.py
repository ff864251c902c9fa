"""Checkout over the real stack: DynamoDB Local, products, cart and orders under gunicorn.

Every test makes its own users and products (uuid-based), so the tests are independent of each
other and of whatever else the session put into the shared tables. Stock is audited twice: over
HTTP (`inventory_count`) and in the products table itself (`stock_ledger`: current + reserved +
sold per product).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from threading import Barrier
from typing import Any, TypeVar

import pytest
import requests

from devstack import ServiceProcess
from load.audit import audit
from load.shop import split_stock
from products_service.reservation_model import Reservation, StockPosition
from products_service.reservation_repository import ReservationRepository
from products_service.reservations import stock_ledger
from products_service.table import TABLE_SPEC as PRODUCTS_TABLE

PROBLEM = "application/problem+json"
TIMEOUT = 20  # seconds; a hanging service fails the test instead of stalling it
T = TypeVar("T")
R = TypeVar("R")
SERVICE_SCOPE = "shopsmart/internal"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def fresh_key() -> str:
    return uuid.uuid4().hex


@dataclass
class Shop:
    """The running stack as a shopper and an admin see it, plus an auditor's view of the stock."""

    products: str
    cart: str
    orders: str
    auth_headers: Callable[..., dict[str, str]]
    reservations: ReservationRepository

    # --- catalogue -------------------------------------------------------------------------
    def product(self, stock: int, price: str = "19.99") -> str:
        body = {
            "name": unique("Item"),
            "price": price,
            "category": unique("Cat"),
            "inventory_count": stock,
        }
        admin = self.auth_headers("admin-" + uuid.uuid4().hex[:8], groups=["admin"])
        response = requests.post(f"{self.products}/products", json=body, headers=admin, timeout=TIMEOUT)
        assert response.status_code == 201, response.text
        return response.json()["product_id"]

    def split(self, product_id: str, shards: int) -> None:
        admin = self.auth_headers("admin-" + uuid.uuid4().hex[:8], groups=["admin"])
        split_stock(self.products, admin, product_id, shards)

    def stock(self, product_id: str) -> int:
        response = requests.get(f"{self.products}/products/{product_id}", timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return response.json()["inventory_count"]

    # --- shoppers --------------------------------------------------------------------------
    def user(self, prefix: str = "user") -> dict[str, str]:
        return self.auth_headers(unique(prefix))

    def add(self, user: dict[str, str], product_id: str, quantity: int) -> None:
        body = {"product_id": product_id, "quantity": quantity}
        response = requests.post(f"{self.cart}/cart/items", json=body, headers=user, timeout=TIMEOUT)
        assert response.status_code in (200, 201), response.text

    def cart_lines(self, user: dict[str, str]) -> dict[str, int]:
        response = requests.get(f"{self.cart}/cart", headers=user, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return {item["product_id"]: item["quantity"] for item in response.json()["items"]}

    def cart_version(self, user: dict[str, str]) -> str:
        """The version of the cart as the shopper sees it now, which a checkout confirms."""
        response = requests.get(f"{self.cart}/cart", headers=user, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return response.json()["version"]

    def checkout(
        self,
        user: dict[str, str],
        key: str | None = None,
        orders: str | None = None,
        version: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> requests.Response:
        """POST /orders confirming `version` (default: the cart as it is now), plus `extra` fields."""
        headers = {**user, "Idempotency-Key": key or fresh_key()}
        body = {"cart_version": version or self.cart_version(user), **(extra or {})}
        return requests.post(f"{orders or self.orders}/orders", headers=headers, json=body, timeout=TIMEOUT)

    def order(self, user: dict[str, str], order_id: str) -> requests.Response:
        return requests.get(f"{self.orders}/orders/{order_id}", headers=user, timeout=TIMEOUT)

    def cancel(self, user: dict[str, str], order_id: str) -> requests.Response:
        return requests.post(f"{self.orders}/orders/{order_id}/cancel", headers=user, timeout=TIMEOUT)

    def order_list(self, user: dict[str, str]) -> list[dict[str, Any]]:
        response = requests.get(f"{self.orders}/orders", headers=user, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    # --- audit (straight from the products table) ------------------------------------------
    def ledger(self, product_id: str) -> StockPosition:
        return stock_ledger(self.reservations)[product_id]

    def reservations_holding(self, product_id: str) -> list[Reservation]:
        _, reservations = self.reservations.census()
        return [r for r in reservations if any(line.product_id == product_id for line in r.lines)]


@pytest.fixture(scope="module")
def shop(start_service, auth_headers, dynamo_client, dynamo_settings) -> Shop:
    return Shop(
        products=start_service("products"),
        cart=start_service("cart"),
        orders=start_service("orders"),
        auth_headers=auth_headers,
        reservations=ReservationRepository(dynamo_client, dynamo_settings.table_name(PRODUCTS_TABLE)),
    )


def assert_problem(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM, response.headers
    body = response.json()
    assert body["status"] == status
    return body


def storm(action: Callable[[T], R], arguments: Iterable[T]) -> list[R]:
    """`action(argument)` for every argument at once: each thread waits at a barrier until all
    are ready, so the calls really race instead of trickling in as threads start."""
    arguments = list(arguments)
    start = Barrier(len(arguments))

    def when_all_ready(argument: T) -> R:
        start.wait(timeout=TIMEOUT)
        return action(argument)

    with ThreadPoolExecutor(max_workers=len(arguments)) as pool:
        return list(pool.map(when_all_ready, arguments))


@pytest.mark.parametrize("shards", [1, 4], ids=["one-stock-item", "four-stock-shards"])
def test_oversell_storm_sells_exactly_the_stock(shop, dynamo_client, dynamo_settings, shards):
    product = shop.product(stock=10)
    if shards > 1:
        shop.split(product, shards)
    shoppers = unique("oversell")
    users = [shop.user(shoppers) for _ in range(50)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda user: shop.add(user, product, 1), users))

    responses = storm(shop.checkout, users)

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 10, 409: 40}, [
        (r.status_code, r.text) for r in responses if r.status_code not in (201, 409)
    ]
    for response in responses:
        if response.status_code == 201:
            assert response.json()["status"] == "CONFIRMED"
            assert [item["quantity"] for item in response.json()["items"]] == [1]
        else:
            problem = assert_problem(response, 409)
            assert problem["short_items"] == [{"product_id": product, "requested": 1, "available": 0}]
    assert shop.stock(product) == 0
    position = shop.ledger(product)
    assert position == StockPosition(current=0, reserved=0, sold=10)
    assert position.current + position.reserved + position.sold == 10
    report = audit(dynamo_client, dynamo_settings, {product: 10}, shoppers, held_timeout_seconds=0)
    assert report.clean, report
    assert report.shards_audited == shards - 1


def test_a_product_selling_fast_is_split_by_itself_then_sells_exactly_its_stock(
    shop, start_extra_service, dynamo_client, dynamo_settings
):
    """Products told that two reservations of one product in 10 s make it hot: the first buyers
    make it split itself over 4 shards, then a storm sells exactly what is left."""
    products = start_extra_service(
        "products",
        {"SHOPSMART_HOT_PRODUCT_RESERVATIONS_PER_SECOND": "0.2", "SHOPSMART_HOT_PRODUCT_SHARDS": "4"},
    )
    orders = start_extra_service("orders", {"SHOPSMART_PRODUCTS_URL": products.base_url})
    hot_shop = replace(shop, products=products.base_url, orders=orders.base_url)
    product = hot_shop.product(stock=20)
    shoppers = unique("self-split")
    for _ in range(8):
        first = hot_shop.user(shoppers)
        hot_shop.add(first, product, 1)
        assert hot_shop.checkout(first).status_code == 201
    shown = requests.get(f"{hot_shop.products}/products/{product}", timeout=TIMEOUT).json()
    assert (shown["stock_shards"], shown["inventory_count"]) == (4, 12)

    users = [hot_shop.user(shoppers) for _ in range(30)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda user: hot_shop.add(user, product, 1), users))
    statuses = Counter(response.status_code for response in storm(hot_shop.checkout, users))

    assert statuses == {201: 12, 409: 18}, statuses
    assert hot_shop.stock(product) == 0
    assert hot_shop.ledger(product) == StockPosition(current=0, reserved=0, sold=20)
    report = audit(dynamo_client, dynamo_settings, {product: 20}, shoppers, held_timeout_seconds=0)
    assert report.clean, report
    assert report.shards_audited == 3


def test_idempotency_storm_makes_one_order(shop):
    product = shop.product(stock=5)
    user = shop.user()
    shop.add(user, product, 1)
    key = fresh_key()

    responses = storm(lambda _: shop.checkout(user, key), range(20))

    statuses = Counter(response.status_code for response in responses)
    assert statuses[201] == 1, [(r.status_code, r.text) for r in responses]
    assert set(statuses) <= {200, 201, 409}, [(r.status_code, r.text) for r in responses]
    order_ids = set()
    for response in responses:
        if response.status_code == 409:
            problem = assert_problem(response, 409)
            assert problem["type"].endswith("/checkout-in-progress"), problem
        order_ids.add(response.json()["order_id"])
    assert len(order_ids) == 1
    (order_id,) = order_ids

    assert shop.stock(product) == 4
    assert shop.ledger(product) == StockPosition(current=4, reserved=0, sold=1)
    assert [r.order_id for r in shop.reservations_holding(product)] == [order_id]
    assert [order["order_id"] for order in shop.order_list(user)] == [order_id]


def test_a_key_replays_its_order_and_is_refused_for_a_different_cart(shop):
    first, second = shop.product(stock=5), shop.product(stock=5)
    user = shop.user()
    shop.add(user, first, 1)
    key = fresh_key()
    placed = shop.checkout(user, key)
    assert placed.status_code == 201, placed.text

    replay = shop.checkout(user, key)
    assert replay.status_code == 200, replay.text
    same = ("order_id", "status", "items", "total_price", "created_at")
    assert {k: replay.json()[k] for k in same} == {k: placed.json()[k] for k in same}

    shop.add(user, second, 1)
    reused = shop.checkout(user, key)
    assert reused.status_code in (409, 422), reused.text
    assert reused.headers["Content-Type"] == PROBLEM
    assert reused.json()["order_id"] == placed.json()["order_id"]
    assert (shop.stock(first), shop.stock(second)) == (4, 5)
    assert shop.cart_lines(user) == {second: 1}
    assert [order["order_id"] for order in shop.order_list(user)] == [placed.json()["order_id"]]


def test_all_or_nothing_when_one_line_is_short(shop):
    plenty, scarce = shop.product(stock=5), shop.product(stock=1)
    user = shop.user()
    shop.add(user, plenty, 1)
    shop.add(user, scarce, 2)

    problem = assert_problem(shop.checkout(user), 409)

    assert problem["short_items"] == [{"product_id": scarce, "requested": 2, "available": 1}]
    assert shop.stock(plenty) == 5
    assert shop.stock(scarce) == 1
    assert shop.ledger(plenty) == StockPosition(current=5, reserved=0, sold=0)
    assert shop.ledger(scarce) == StockPosition(current=1, reserved=0, sold=0)
    assert shop.cart_lines(user) == {plenty: 1, scarce: 2}


def test_empty_cart_is_422_and_a_missing_key_is_400(shop):
    user = shop.user()
    assert_problem(shop.checkout(user), 422)
    shop.add(user, shop.product(stock=3), 1)
    assert_problem(requests.post(f"{shop.orders}/orders", headers=user, timeout=TIMEOUT), 400)
    assert shop.order_list(user) == []


def test_prices_from_the_client_are_ignored(shop):
    product = shop.product(stock=5, price="19.99")
    user = shop.user()
    shop.add(user, product, 3)
    forged = {
        "total_price": "0.01",
        "items": [{"product_id": product, "quantity": 3, "unit_price": "0.01", "line_total": "0.03"}],
    }

    response = shop.checkout(user, extra=forged)

    assert response.status_code == 201, response.text
    order = response.json()
    assert order["total_price"] == "59.97"
    assert [(i["product_id"], i["unit_price"], i["quantity"], i["line_total"]) for i in order["items"]] == [
        (product, "19.99", 3, "59.97")
    ]
    assert shop.order(user, order["order_id"]).json()["total_price"] == "59.97"


def test_checkout_clears_exactly_the_bought_lines(shop):
    first, second = shop.product(stock=5), shop.product(stock=5)
    user, neighbour = shop.user(), shop.user()
    shop.add(user, first, 2)
    shop.add(user, second, 1)
    shop.add(neighbour, first, 1)

    response = shop.checkout(user)

    assert response.status_code == 201, response.text
    assert shop.cart_lines(user) == {}
    assert shop.cart_lines(neighbour) == {first: 1}
    shop.add(user, first, 1)
    assert shop.cart_lines(user) == {first: 1}


def test_cancel_gives_the_stock_back_once(shop):
    product = shop.product(stock=5)
    user = shop.user()
    shop.add(user, product, 2)
    order = shop.checkout(user).json()
    assert order["status"] == "CONFIRMED"
    assert shop.stock(product) == 3

    cancelled = shop.cancel(user, order["order_id"])

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    assert shop.stock(product) == 5
    assert shop.ledger(product) == StockPosition(current=5, reserved=0, sold=0)
    assert_problem(shop.cancel(user, order["order_id"]), 409)
    assert shop.stock(product) == 5
    assert shop.order(user, order["order_id"]).json()["status"] == "CANCELLED"


def test_a_failed_order_cannot_be_cancelled(shop):
    product = shop.product(stock=1)
    user = shop.user()
    shop.add(user, product, 2)
    failed = assert_problem(shop.checkout(user), 409)
    order_id = failed["order_id"]
    assert shop.order(user, order_id).json()["status"] == "FAILED"

    assert_problem(shop.cancel(user, order_id), 409)
    assert shop.order(user, order_id).json()["status"] == "FAILED"
    assert shop.stock(product) == 1


def test_users_are_isolated_from_each_other(shop):
    mine, theirs = shop.product(stock=5), shop.product(stock=5)
    alice, bob = shop.user(), shop.user()
    shop.add(alice, mine, 2)
    shop.add(bob, theirs, 1)

    assert shop.cart_lines(bob) == {theirs: 1}
    put = requests.put(f"{shop.cart}/cart/items/{mine}", json={"quantity": 7}, headers=bob, timeout=TIMEOUT)
    assert put.status_code == 200, put.text
    assert shop.cart_lines(bob) == {theirs: 1, mine: 7}
    assert shop.cart_lines(alice) == {mine: 2}
    delete = requests.delete(f"{shop.cart}/cart/items/{mine}", headers=bob, timeout=TIMEOUT)
    assert delete.status_code == 204, delete.text
    assert shop.cart_lines(bob) == {theirs: 1}
    assert shop.cart_lines(alice) == {mine: 2}

    order = shop.checkout(alice)
    assert order.status_code == 201, order.text
    order_id = order.json()["order_id"]
    assert_problem(shop.order(bob, order_id), 404)
    assert_problem(shop.cancel(bob, order_id), 404)
    assert shop.order(alice, order_id).json()["status"] == "CONFIRMED"
    assert shop.order_list(bob) == []
    assert shop.stock(mine) == 3

    # A user token is never a service credential ...
    internal_calls = [
        ("post", f"{shop.products}/internal/v1/reservations", {"order_id": "x1", "items": []}),
        ("get", f"{shop.products}/internal/v1/reservations/{order_id}", None),
        ("post", f"{shop.products}/internal/v1/reservations/{order_id}/return", None),
        ("get", f"{shop.cart}/internal/v1/carts/anyone", None),
        ("post", f"{shop.cart}/internal/v1/carts/anyone/checkout-removals", {}),
    ]
    for method, url, body in internal_calls:
        response = requests.request(method, url, json=body, headers=bob, timeout=TIMEOUT)
        assert_problem(response, 403)
    assert shop.stock(mine) == 3
    # ... and the service credential is never a user.
    service = shop.auth_headers("svc", scopes=[SERVICE_SCOPE])
    assert_problem(requests.get(f"{shop.cart}/cart", headers=service, timeout=TIMEOUT), 403)
    assert_problem(requests.get(f"{shop.orders}/orders", headers=service, timeout=TIMEOUT), 403)


@dataclass
class Dedicated:
    """An orders instance of its own, whose cart and products instances the test may stop."""

    products: ServiceProcess
    cart: ServiceProcess
    orders: ServiceProcess


@pytest.fixture
def dedicated(start_extra_service) -> Iterator[Dedicated]:
    products = start_extra_service("products", {})
    cart = start_extra_service("cart", {})
    orders = start_extra_service(
        "orders", {"SHOPSMART_CART_URL": cart.base_url, "SHOPSMART_PRODUCTS_URL": products.base_url}
    )
    yield Dedicated(products, cart, orders)
    for service in (orders, cart, products):
        service.stop()


def test_a_dependency_down_gives_503_with_retry_after_and_reserves_nothing(shop, dedicated):
    orders = dedicated.orders.base_url
    product = shop.product(stock=5)
    user = shop.user()
    shop.add(user, product, 1)
    key = fresh_key()

    dedicated.cart.stop()
    down = shop.checkout(user, key, orders=orders)
    assert_problem(down, 503)
    assert int(down.headers["Retry-After"]) > 0
    assert shop.stock(product) == 5

    dedicated.cart.start()
    up = shop.checkout(user, key, orders=orders)
    assert up.status_code == 201, up.text
    assert up.json()["status"] == "CONFIRMED"
    assert shop.stock(product) == 4

    shop.add(user, product, 1)
    dedicated.products.stop()
    retried_key = fresh_key()
    down = shop.checkout(user, retried_key, orders=orders)
    assert_problem(down, 503)
    assert int(down.headers["Retry-After"]) > 0
    assert shop.stock(product) == 4
    assert shop.ledger(product) == StockPosition(current=4, reserved=0, sold=1)
    assert len(shop.reservations_holding(product)) == 1

    # Nothing was left half-done: once products is back, the same key checks out.
    dedicated.products.start()
    again = shop.checkout(user, retried_key, orders=orders)
    assert again.status_code == 201, again.text
    assert shop.stock(product) == 3
    assert shop.ledger(product) == StockPosition(current=3, reserved=0, sold=2)


def test_restocks_with_if_match_racing_buyers_cancels_and_returns_keep_every_shard_exact(
    shop, dynamo_client, dynamo_settings
):
    """Admins restock a split product by what they read (If-Match) while shoppers buy it and cancel
    or return what they bought. Every restock that lands added exactly the units the admin meant,
    one read before the storm is refused after it, and each shard's ledger stays exact."""
    product = shop.product(stock=40)
    shop.split(product, 4)
    admin = shop.auth_headers("admin-" + uuid.uuid4().hex[:8], groups=["admin"])
    before_the_storm = requests.get(f"{shop.products}/products/{product}", timeout=TIMEOUT)
    shoppers = unique("restock-race")
    users = [shop.user(shoppers) for _ in range(24)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda user: shop.add(user, product, 2), users))
    units_per_restock = 3
    restocks: Counter[int] = Counter()
    counting = threading.Lock()
    storm_over = threading.Event()

    def restock_while_the_storm_lasts(_: int) -> None:
        while not storm_over.is_set() or not restocks[200]:
            seen = requests.get(f"{shop.products}/products/{product}", timeout=TIMEOUT)
            changed = requests.patch(
                f"{shop.products}/products/{product}",
                json={"inventory_count": seen.json()["inventory_count"] + units_per_restock},
                headers={**admin, "If-Match": seen.headers["ETag"]},
                timeout=TIMEOUT,
            )
            assert changed.status_code in (200, 412), changed.text
            with counting:
                restocks[changed.status_code] += 1

    def buy_then_maybe_cancel(number_and_user: tuple[int, dict[str, str]]) -> int:
        number, user = number_and_user
        bought = shop.checkout(user)
        if bought.status_code == 201 and number % 3 == 0:
            assert shop.cancel(user, bought.json()["order_id"]).status_code == 200
        return bought.status_code

    with ThreadPoolExecutor(max_workers=2) as admins:
        restocking = [admins.submit(restock_while_the_storm_lasts, n) for n in range(2)]
        try:
            statuses = Counter(storm(buy_then_maybe_cancel, enumerate(users)))
        finally:
            storm_over.set()
        for admin_loop in restocking:
            admin_loop.result(timeout=TIMEOUT * 3)

    assert set(statuses) <= {201, 409} and statuses[201] > 0, statuses
    assert restocks[200] > 0, restocks
    stale = requests.patch(
        f"{shop.products}/products/{product}",
        json={"inventory_count": before_the_storm.json()["inventory_count"] + units_per_restock},
        headers={**admin, "If-Match": before_the_storm.headers["ETag"]},
        timeout=TIMEOUT,
    )
    assert stale.status_code == 412, stale.text
    placed = 40 + units_per_restock * restocks[200]
    report = audit(dynamo_client, dynamo_settings, {product: placed}, shoppers, held_timeout_seconds=0)
    assert report.clean, (report, restocks, statuses)
    assert report.shards_audited == 3
    position = shop.ledger(product)
    assert position.reserved == 0 and position.current + position.sold == placed, position
