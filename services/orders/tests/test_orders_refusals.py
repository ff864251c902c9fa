"""A checkout products refuses ends at once: the order FAILED, the shopper told 409 or 422, the
cart free again, and a replay of the key answered without waiting. Replays of a key still being
checked out wait a bounded time with few reads.

The issue's sequence: a seen price of -1 made products answer 409 naming `old_price` "-1.00",
which orders could not read; that was a 503 with the order PENDING under its lease, a replay
waited 10 s, and the shopper's own honest checkout was then refused while the cart stayed held.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from orders_service import DEFAULTS
from orders_service.api import CHECKOUT_EXTENSION, REPOSITORY_EXTENSION
from orders_service.checkout import Checkout, CheckoutSettings
from orders_service.gateways import StockGateway
from orders_service.orders import CartLine, Order, Status, iso, later, order_id_for, utc_now
from service_kit.app import COMMON_DEFAULTS
from service_kit.http import Reply

PROBLEM = "application/problem+json"
FORGED_PRICE_REFUSAL = {
    "detail": "Prices changed since the cart was shown.",
    "changed_items": [{"product_id": "tea", "old_price": "-1.00", "new_price": "4.50"}],
}
RESERVED = {
    "order_id": "set per call",
    "status": "RESERVED",
    "items": [{"product_id": "tea", "name": "Tea", "unit_price": "4.50", "quantity": 1}],
    "total_price": "4.50",
}


class ScriptedProducts:
    """Products over HTTP as the real StockGateway sees it: each reserve gets the next scripted
    answer; commits and releases succeed."""

    name = "products"

    def __init__(self, *reserve_answers: Reply):
        self.reserve_answers = list(reserve_answers)
        self.calls: list[str] = []

    def call(self, method: str, path: str, *, json: Any = None, **_: Any) -> Reply:
        self.calls.append(f"{method} {path}")
        if path == "/internal/v1/reservations" and method == "POST":
            reply = self.reserve_answers.pop(0)
            if reply.status == 201:
                return Reply(201, {**reply.body, "order_id": json["order_id"]})
            return reply
        return Reply(200, {"status": "COMMITTED" if path.endswith("/commit") else "RELEASED"})


@pytest.fixture
def products(app, cart) -> ScriptedProducts:
    scripted = ScriptedProducts()
    app.extensions[CHECKOUT_EXTENSION] = Checkout(
        app.extensions[REPOSITORY_EXTENSION], cart, StockGateway(scripted), CheckoutSettings(lease_seconds=30)
    )
    return scripted


def post_order(client, headers, key, version):
    return client.post("/orders", headers={**headers, "Idempotency-Key": key}, json={"cart_version": version})


def test_the_forged_price_sequence_fails_the_order_at_once_and_frees_the_cart(
    app, client, alice, cart, products
):
    cart.lines["alice"] = [CartLine("tea", 1)]
    version = cart.version("alice")
    products.reserve_answers = [Reply(409, FORGED_PRICE_REFUSAL), Reply(201, RESERVED)]

    first = post_order(client, alice, "k1", version)
    assert first.status_code == 409 and first.content_type == PROBLEM, first.json
    assert first.json["detail"] == FORGED_PRICE_REFUSAL["detail"]
    orders = app.extensions[REPOSITORY_EXTENSION]
    assert orders.get(order_id_for("alice", "k1")).status == Status.FAILED
    assert cart.holder("alice") is None

    started = time.monotonic()
    replay = post_order(client, alice, "k1", version)
    assert replay.status_code == 409 and replay.json["order_id"] == first.json["order_id"]
    assert time.monotonic() - started < 1.0

    honest = post_order(client, alice, "k2", version)
    assert honest.status_code == 201, honest.json
    assert honest.json["total_price"] == "4.50"


@pytest.mark.parametrize("status", [400, 422])
def test_a_request_products_refuses_as_invalid_is_a_422_failed_order(
    app, client, alice, cart, products, status
):
    cart.lines["alice"] = [CartLine("tea", 1)]
    products.reserve_answers = [Reply(status, {"detail": "items: bad", "errors": {"json": {}}})]
    response = post_order(client, alice, "k1", cart.version("alice"))
    assert response.status_code == 422 and response.content_type == PROBLEM, response.json
    assert app.extensions[REPOSITORY_EXTENSION].get(order_id_for("alice", "k1")).status == Status.FAILED
    assert cart.holder("alice") is None
    replay = post_order(client, alice, "k1", cart.version("alice"))
    assert replay.status_code == 422 and replay.json["order_id"] == response.json["order_id"]


@pytest.mark.parametrize("body", [None, [], "oops", {"detail": 7, "short_items": [{}]}], ids=str)
def test_a_refusal_whose_body_cannot_be_read_still_fails_the_order(app, client, alice, cart, products, body):
    cart.lines["alice"] = [CartLine("tea", 1)]
    products.reserve_answers = [Reply(409, body)]
    response = post_order(client, alice, "k1", cart.version("alice"))
    assert response.status_code == 409 and response.json["detail"]
    assert app.extensions[REPOSITORY_EXTENSION].get(order_id_for("alice", "k1")).status == Status.FAILED


def test_a_replay_of_a_key_in_flight_waits_a_bounded_time_with_few_reads(app, cart, stock):
    orders = app.extensions[REPOSITORY_EXTENSION]
    now = utc_now()
    in_flight = Order(
        order_id=order_id_for("alice", "k1"),
        user_id="alice",
        idempotency_key="k1",
        status=Status.PENDING,
        created_at=iso(now),
        updated_at=iso(now),
        lease_owner="first-request",
        lease_until=iso(later(now, 30)),
        needs_recovery=True,
        cart_version="v1.W10",
    )
    assert orders.start(in_flight)
    pauses: list[float] = []
    settings = CheckoutSettings(replay_wait_seconds=float(DEFAULTS["REPLAY_WAIT_SECONDS"]))
    replaying = Checkout(orders, cart, stock, settings, sleep=pauses.append)
    started = time.monotonic()
    with pytest.raises(Exception, match="still being checked out"):
        replaying.place("alice", "k1", "v1.W10")
    # Never longer than one dependency call may take, and a handful of reads, not one per 50 ms.
    assert sum(pauses) <= float(COMMON_DEFAULTS["HTTP_READ_TIMEOUT"])
    assert len(pauses) <= 8
    assert time.monotonic() - started < 2.0
