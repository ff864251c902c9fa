"""One cart → one order, the shopper confirms what they pay, and nothing is stranded: against
fake cart and products services."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from decimal import Decimal

import pytest

from orders_service.api import CHECKOUT_EXTENSION, REPOSITORY_EXTENSION
from orders_service.checkout import Checkout, CheckoutSettings
from orders_service.orders import CartLine, order_id_for, utc_now
from orders_service.recovery import recover_due_orders, release_orphaned_reservations
from service_kit.http import DependencyUnreachable
from service_kit.problems import ServiceUnavailable

PROBLEM = "application/problem+json"


def post_order(client, headers, key, version):
    return client.post("/orders", headers={**headers, "Idempotency-Key": key}, json={"cart_version": version})


def test_an_integer_python_refuses_to_read_is_400(client, alice, cart):
    cart.lines["alice"] = [CartLine("tea", 1)]
    body = '{"cart_version": "v1.x", "n": ' + "9" * 5000 + "}"
    response = client.post(
        "/orders", data=body, content_type="application/json", headers={**alice, "Idempotency-Key": "k1"}
    )
    assert response.status_code == 400 and response.content_type == PROBLEM


@pytest.mark.parametrize(
    "forged",
    [
        # The forged seen price: products answered 409 with old_price -1.00, which orders
        # could not read, so the order stayed PENDING and the cart held.
        [["tea", 1, "-1", ""]],
        [["tea", 1e400, "4.50", ""]],
        [["tea", 1, "4.505", ""]],
        [["tea", 100, "4.50", ""]],
        [["tea\n", 1, "4.50", ""]],
    ],
)
def test_a_forged_cart_version_is_422_before_anything_is_written(app, client, alice, cart, stock, forged):
    cart.lines["alice"] = [CartLine("tea", 1)]
    stock.stock["tea"] = 5
    token = "v1." + base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    response = post_order(client, alice, "k1", token)
    assert response.status_code == 422 and response.content_type == PROBLEM
    assert "cart_version" in response.json["errors"]["json"]
    assert app.extensions[REPOSITORY_EXTENSION].get(order_id_for("alice", "k1")) is None
    assert cart.holder("alice") is None and stock.reserve_calls == 0


def test_a_checkout_without_a_cart_version_is_422(client, alice, cart):
    cart.lines["alice"] = [CartLine("tea", 1)]
    response = client.post("/orders", headers={**alice, "Idempotency-Key": "k1"})
    assert response.status_code == 422 and response.content_type == PROBLEM
    assert "cart_version" in response.json["errors"]["json"]
    forged = post_order(client, alice, "k1", "v1.not-base64!")
    assert forged.status_code == 422


def test_a_price_rise_is_409_naming_the_line_and_nothing_is_reserved(client, alice, cart, stock):
    cart.lines["alice"] = [CartLine("tea", 2), CartLine("pot", 1)]
    seen = cart.version("alice")
    stock.prices["tea"] = Decimal("5.00")
    response = post_order(client, alice, "k1", seen)
    assert response.status_code == 409 and response.content_type == PROBLEM
    assert response.json["type"].endswith("/cart-changed")
    assert response.json["changed_items"] == [{"product_id": "tea", "old_price": "4.50", "new_price": "5.00"}]
    assert stock.stock == {"tea": 10, "pot": 2, "cup": 0}
    assert cart.claims == {}  # the cart is free for the confirmed retry
    assert post_order(client, alice, "k1", seen).json["changed_items"] == response.json["changed_items"]

    retried = post_order(client, alice, "k2", cart.version("alice", stock.prices))
    assert retried.status_code == 201, retried.json
    assert retried.json["total_price"] == "29.99"


def test_a_line_changed_since_the_cart_was_shown_is_409(client, alice, cart, stock):
    cart.lines["alice"] = [CartLine("tea", 2)]
    seen = cart.version("alice")
    cart.lines["alice"] = [CartLine("tea", 3), CartLine("cup", 1)]
    response = post_order(client, alice, "k1", seen)
    assert response.status_code == 409
    assert response.json["changed_items"] == [
        {"product_id": "cup", "old_quantity": 0, "new_quantity": 1},
        {"product_id": "tea", "old_quantity": 2, "new_quantity": 3},
    ]
    assert stock.reserve_calls == 0


def test_a_second_key_for_a_cart_being_checked_out_is_409_naming_the_order(client, alice, cart, stock):
    cart.lines["alice"] = [CartLine("tea", 1)]
    version = cart.version("alice")
    stock.failure = ServiceUnavailable("products timed out")
    first = post_order(client, alice, "k1", version)
    assert first.status_code == 503
    stock.failure = None

    second = post_order(client, alice, "k2", version)
    assert second.status_code == 409 and second.json["type"].endswith("/cart-checkout-in-progress")
    assert second.json["holding_order_id"] == first.json["order_id"]
    assert stock.reserve_calls == 1
    assert client.get(f"/orders/{order_id_for('alice', 'k2')}", headers=alice).status_code == 404


def test_a_second_key_for_a_cart_already_bought_is_409_naming_the_order(client, alice, cart, stock):
    cart.lines["alice"] = [CartLine("tea", 1)]
    version = cart.version("alice")
    first = post_order(client, alice, "k1", version)
    assert first.status_code == 201
    late = post_order(client, alice, "k2", version)
    assert late.status_code == 409 and late.json["holding_order_id"] == first.json["order_id"]

    cart.lines["alice"] = [CartLine("tea", 1)]  # the same line, added again later
    assert post_order(client, alice, "k3", cart.version("alice", added_at="later")).status_code == 201
    assert stock.stock["tea"] == 8


def test_a_hold_left_by_a_failed_order_is_taken_over(client, alice, cart, stock):
    cart.lines["alice"] = [CartLine("tea", 20)]
    assert post_order(client, alice, "k1", cart.version("alice")).status_code == 409  # short of stock
    cart.claims["alice"] = (order_id_for("alice", "k1"), "", False)  # as if its release had been lost
    cart.lines["alice"] = [CartLine("tea", 1)]
    assert post_order(client, alice, "k2", cart.version("alice")).status_code == 201


def test_a_take_over_whose_reserve_cannot_connect_keeps_the_order_pending(app, client, alice, cart, stock):
    cart.lines["alice"] = [CartLine("tea", 2)]
    version = cart.version("alice")
    order_id = order_id_for("alice", "k1")
    stock.reserve(order_id, [CartLine("tea", 2)])  # the first attempt's reserve landed...
    stock.failure = ServiceUnavailable("...and its answer was lost")
    assert post_order(client, alice, "k1", version).status_code == 503

    stock.failure = DependencyUnreachable("products down")
    orders = app.extensions[REPOSITORY_EXTENSION]
    later = lambda: utc_now() + timedelta(minutes=5)  # noqa: E731
    replaying = Checkout(orders, cart, stock, CheckoutSettings(replay_wait_seconds=0.2), clock=later)
    app.extensions[CHECKOUT_EXTENSION] = replaying
    assert post_order(client, alice, "k1", version).status_code == 503
    assert orders.get(order_id).status == "PENDING"

    stock.failure = None
    much_later = lambda: utc_now() + timedelta(minutes=10)  # noqa: E731
    recovering = Checkout(orders, cart, stock, CheckoutSettings(), clock=much_later)
    assert recover_due_orders(orders, recovering, stock, clock=much_later)["confirmed"] == 1
    assert stock.reservations[order_id].status == "COMMITTED"


def test_the_sweep_releases_stock_of_orders_gone_or_failed_but_not_of_pending_ones(
    app, client, alice, cart, stock
):
    cart.lines["alice"] = [CartLine("tea", 1)]
    stock.failure = ServiceUnavailable("products timed out")
    pending = post_order(client, alice, "k1", cart.version("alice")).json["order_id"]
    stock.failure = None
    stock.reserve(pending, [CartLine("tea", 1)])
    stock.reserve("no-such-order", [CartLine("tea", 3)])
    stock.age(601)

    outcomes = release_orphaned_reservations(app.extensions[REPOSITORY_EXTENSION], stock, 600)
    assert outcomes == {"orphan-released": 1, "held-by-live-order": 1}
    assert stock.reservations["no-such-order"].status == "RELEASED"
    assert stock.reservations[pending].status == "RESERVED"
    assert stock.stock["tea"] == 9
