"""Guest carts on the real stack: forged guest ids, concurrent merges, and honest prices at checkout.

DynamoDB Local, products, cart and orders run under gunicorn. Every test makes its own guests,
users and products, so the tests are independent of each other and of the rest of the session.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from threading import Barrier
from typing import Any

import pytest
import requests

PROBLEM = "application/problem+json"
TIMEOUT = 30  # seconds; a hanging service fails the test instead of stalling it
GUEST_HEADER = "X-Guest-Token"
MERGING_TABS = 10


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass
class Shop:
    products: str
    cart: str
    orders: str
    auth_headers: Callable[..., dict[str, str]]

    def admin(self) -> dict[str, str]:
        return self.auth_headers(unique("admin"), groups=["admin"])

    def product(self, price: str = "19.99", stock: int = 100) -> str:
        body = {"name": unique("Item"), "price": price, "category": unique("Cat"), "inventory_count": stock}
        response = requests.post(
            f"{self.products}/products", json=body, headers=self.admin(), timeout=TIMEOUT
        )
        assert response.status_code == 201, response.text
        return response.json()["product_id"]

    def reprice(self, product_id: str, price: str) -> None:
        response = requests.patch(
            f"{self.products}/products/{product_id}",
            json={"price": price},
            headers={**self.admin(), "If-Match": "*"},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text

    def guest(self) -> dict[str, str]:
        response = requests.post(f"{self.cart}/cart/guest", timeout=TIMEOUT)
        assert response.status_code == 201, response.text
        return {GUEST_HEADER: response.json()["guest_token"]}

    def user(self) -> dict[str, str]:
        return self.auth_headers(unique("user"))

    def add(self, shopper: dict[str, str], product_id: str, quantity: int) -> None:
        body = {"product_id": product_id, "quantity": quantity}
        response = requests.post(f"{self.cart}/cart/items", json=body, headers=shopper, timeout=TIMEOUT)
        assert response.status_code == 200, response.text

    def view(self, shopper: dict[str, str]) -> requests.Response:
        return requests.get(f"{self.cart}/cart", headers=shopper, timeout=TIMEOUT)

    def lines(self, shopper: dict[str, str]) -> dict[str, int]:
        response = self.view(shopper)
        assert response.status_code == 200, response.text
        return {item["product_id"]: item["quantity"] for item in response.json()["items"]}

    def merge(self, user: dict[str, str], guest: dict[str, str]) -> requests.Response:
        body = {"guest_token": guest[GUEST_HEADER]}
        return requests.post(f"{self.cart}/cart/merge", json=body, headers=user, timeout=TIMEOUT)

    def checkout(self, shopper: dict[str, str]) -> requests.Response:
        """POST /orders confirming the cart as the shopper sees it now (a guest has no version)."""
        headers = {**shopper, "Idempotency-Key": uuid.uuid4().hex}
        view = self.view(shopper)
        body = {"cart_version": view.json()["version"]} if view.status_code == 200 else {}
        return requests.post(f"{self.orders}/orders", headers=headers, json=body, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def shop(start_service, auth_headers) -> Shop:
    return Shop(
        products=start_service("products"),
        cart=start_service("cart"),
        orders=start_service("orders"),
        auth_headers=auth_headers,
    )


def assert_problem(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM, response.headers
    return response.json()


def merge_in_tabs(shop: Shop, user: dict[str, str], guest: dict[str, str]) -> list[requests.Response]:
    """The same merge sent from MERGING_TABS tabs at the same moment."""
    start = Barrier(MERGING_TABS)

    def merge_in_a_tab(_: int) -> requests.Response:
        start.wait()
        return shop.merge(user, guest)

    with ThreadPoolExecutor(MERGING_TABS) as tabs:
        return list(tabs.map(merge_in_a_tab, range(MERGING_TABS)))


def moved_by(answers: list[requests.Response]) -> Counter[str]:
    """How many of the merges moved each product: exactly one, or the quantity was counted twice."""
    assert [answer.status_code for answer in answers] == [200] * len(answers), [a.text for a in answers]
    return Counter(item["product_id"] for answer in answers for item in answer.json()["moved"])


def test_a_forged_or_altered_guest_id_is_401_and_guests_stay_apart(shop):
    product = shop.product()
    ann, ben = shop.guest(), shop.guest()
    shop.add(ann, product, 3)
    token = ann[GUEST_HEADER]
    guest_id, _, signature = token.partition(".")
    other_id = ben[GUEST_HEADER].partition(".")[0]
    forgeries = [
        f"{other_id}.{signature}",  # ben's id under ann's signature
        ("b" if guest_id[0] == "a" else "a") + token[1:],
        token[:-2],
        guest_id,
        f"{guest_id}.{'A' * 43}",
    ]
    for forged in forgeries:
        assert_problem(shop.view({GUEST_HEADER: forged}), 401)
        assert_problem(shop.merge(shop.user(), {GUEST_HEADER: forged}), 401)
    assert shop.lines(ben) == {}
    assert shop.lines(ann) == {product: 3}


def test_concurrent_merges_never_count_a_quantity_twice(shop):
    products = [shop.product() for _ in range(6)]
    for _ in range(3):
        guest, user = shop.guest(), shop.user()
        guest_lines = {product: number + 1 for number, product in enumerate(products)}
        for product, quantity in guest_lines.items():
            shop.add(guest, product, quantity)
        shop.add(user, products[0], 10)
        shop.add(user, products[1], 97)  # 97 + 2 = 99: at the cap, not over it

        answers = merge_in_tabs(shop, user, guest)

        assert moved_by(answers) == Counter(products), "each guest line is moved by exactly one merge"
        expected = dict(guest_lines)
        expected[products[0]] += 10
        expected[products[1]] = 99
        assert shop.lines(user) == expected
        assert_problem(shop.view(guest), 401)  # merged whole: the guest token opens no cart


def test_concurrent_merges_of_a_full_guest_cart_respect_the_50_line_limit(shop):
    products = [shop.product() for _ in range(52)]
    guest, user = shop.guest(), shop.user()
    for product in products[:50]:
        shop.add(guest, product, 2)
    for product in [products[0], products[50], products[51]]:
        shop.add(user, product, 1)

    answers = merge_in_tabs(shop, user, guest)

    # products[0] joins the user's line; 47 more fit beside the user's 3 lines; 2 stay behind.
    moved = moved_by(answers)
    assert set(moved.values()) == {1} and len(moved) == 48
    mine = shop.lines(user)
    assert len(mine) == 50 and mine[products[0]] == 3
    assert sum(mine.values()) == 3 + 2 + 2 * 47
    assert shop.lines(guest) == {product: 2 for product in products[48:50]}
    for answer in answers:
        assert answer.json()["not_moved"] == [{"product_id": p, "quantity": 2} for p in products[48:50]]


def test_a_guest_signs_in_merges_and_checks_out_at_the_current_price(shop):
    teapot = shop.product(price="9.99")
    cups = shop.product(price="4.00")
    guest = shop.guest()
    shop.add(guest, teapot, 1)
    shop.add(guest, cups, 2)

    refused = assert_problem(shop.checkout(guest), 401)
    assert refused["detail"] == "Sign in to check out; your cart is kept."
    assert shop.lines(guest) == {teapot: 1, cups: 2}

    user = shop.user()
    merged = shop.merge(user, guest)
    assert merged.status_code == 200, merged.text
    assert shop.lines(user) == {teapot: 1, cups: 2}
    assert_problem(shop.view(guest), 401)

    shop.reprice(teapot, "8.49")
    items = {item["product_id"]: item for item in shop.view(user).json()["items"]}
    assert (items[teapot]["added_price"], items[teapot]["price"], items[teapot]["price_changed"]) == (
        "9.99",
        "8.49",
        True,
    )
    assert (items[cups]["added_price"], items[cups]["price_changed"]) == ("4.00", False)
    assert shop.view(user).json()["subtotal"] == "16.49"

    placed = shop.checkout(user)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    charged = {item["product_id"]: item["unit_price"] for item in order["items"]}
    assert charged == {teapot: "8.49", cups: "4.00"}
    assert Decimal(order["total_price"]) == Decimal("16.49")
    recorded = requests.get(f"{shop.orders}/orders/{order['order_id']}", headers=user, timeout=TIMEOUT)
    assert recorded.json()["total_price"] == order["total_price"]
    assert {item["product_id"]: item["unit_price"] for item in recorded.json()["items"]} == charged
    assert shop.lines(user) == {}
