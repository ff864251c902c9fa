"""Checkout, replays, cancel and recovery against fake cart and products services."""

from __future__ import annotations

from datetime import timedelta

import jwt
from flask import g

from dynamo_common import Unavailable
from orders_service.api import CHECKOUT_EXTENSION, REPOSITORY_EXTENSION
from orders_service.checkout import Checkout, CheckoutSettings
from orders_service.orders import CartLine, Status, order_id_for, utc_now
from orders_service.recovery import recover_due_orders
from service_kit.problems import ServiceUnavailable

PROBLEM = "application/problem+json"
FAKE_CART_EXTENSION = "test.fake_cart"  # where conftest's app keeps its FakeCart


def checkout(client, headers, key="key-1"):
    """POST /orders confirming the cart as the fake cart service would show it now."""
    user_id = jwt.decode(headers["Authorization"].split()[1], options={"verify_signature": False})["sub"]
    # Each key stands for a cart filled anew, so no checkout here is a duplicate of another.
    version = client.application.extensions[FAKE_CART_EXTENSION].version(user_id, added_at=key)
    return client.post("/orders", headers={**headers, "Idempotency-Key": key}, json={"cart_version": version})


def test_checkout_confirms_with_server_prices_and_clears_the_cart(client, alice, cart, stock):
    cart.lines["alice"] = [CartLine("tea", 3), CartLine("pot", 1)]
    response = client.post(
        "/orders",
        headers={**alice, "Idempotency-Key": "k1"},
        json={
            "cart_version": cart.version("alice"),
            "total_price": "0.01",
            "items": [{"product_id": "tea", "unit_price": "0.01"}],
        },
    )
    assert response.status_code == 201, response.json
    order = response.json
    assert order["status"] == "CONFIRMED"
    assert order["total_price"] == "33.49"  # 3 x 4.50 + 19.99, whatever the client sent
    assert {(i["product_id"], i["unit_price"], i["line_total"]) for i in order["items"]} == {
        ("tea", "4.50", "13.50"),
        ("pot", "19.99", "19.99"),
    }
    assert cart.lines["alice"] == []
    assert stock.reservations[order["order_id"]].status == "COMMITTED"
    assert stock.stock["tea"] == 7


def test_missing_or_bad_idempotency_key_is_400(client, alice, cart):
    cart.lines["alice"] = [CartLine("tea", 1)]
    response = client.post("/orders", headers=alice)
    assert response.status_code == 400 and response.content_type == PROBLEM
    assert client.post("/orders", headers={**alice, "Idempotency-Key": "x" * 129}).status_code == 400


def test_replay_returns_the_same_order_once(client, alice, cart, stock):
    cart.lines["alice"] = [CartLine("tea", 2)]
    first = checkout(client, alice)
    again = checkout(client, alice)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["order_id"] == again.json["order_id"]
    assert stock.reserve_calls == 1 and stock.stock["tea"] == 8


def test_same_key_with_a_different_cart_is_409(client, alice, cart):
    cart.lines["alice"] = [CartLine("tea", 2)]
    checkout(client, alice)
    cart.lines["alice"] = [CartLine("pot", 1)]
    response = checkout(client, alice)
    assert response.status_code == 409 and "different cart" in response.json["detail"]


def test_empty_cart_is_422_and_leaves_the_key_free(client, alice, cart):
    assert checkout(client, alice).status_code == 422
    cart.lines["alice"] = [CartLine("tea", 1)]
    assert checkout(client, alice).status_code == 201


def test_out_of_stock_names_every_short_item_and_reserves_nothing(client, alice, cart, stock):
    cart.lines["alice"] = [CartLine("tea", 1), CartLine("pot", 5), CartLine("cup", 1)]
    response = checkout(client, alice)
    assert response.status_code == 409
    assert sorted(response.json["short_items"], key=lambda item: item["product_id"]) == [
        {"product_id": "cup", "requested": 1, "available": 0},
        {"product_id": "pot", "requested": 5, "available": 2},
    ]
    assert stock.stock == {"tea": 10, "pot": 2, "cup": 0}
    replay = checkout(client, alice)
    assert replay.status_code == 409 and replay.json["short_items"] == response.json["short_items"]
    order = client.get(f"/orders/{response.json['order_id']}", headers=alice).json
    assert order["status"] == "FAILED"


def test_cart_down_is_503_with_retry_after_and_the_key_stays_usable(client, alice, cart):
    cart.lines["alice"] = [CartLine("tea", 1)]
    cart.down = True
    response = checkout(client, alice)
    assert response.status_code == 503 and response.headers["Retry-After"]
    cart.down = False
    assert checkout(client, alice).status_code == 201


def test_products_timing_out_leaves_the_order_pending_for_recovery(app, client, alice, cart, stock):
    cart.lines["alice"] = [CartLine("tea", 1)]
    stock.failure = ServiceUnavailable("products timed out")
    response = checkout(client, alice)
    assert response.status_code == 503 and response.json["order_id"]
    order_id = response.json["order_id"]
    assert client.get(f"/orders/{order_id}", headers=alice).json["status"] == "PENDING"
    stock.failure = None

    orders = app.extensions[REPOSITORY_EXTENSION]
    checkout_rules: Checkout = app.extensions[CHECKOUT_EXTENSION]
    assert recover_due_orders(orders, checkout_rules, stock) == {}  # lease still held
    late = Checkout(orders, cart, stock, CheckoutSettings(), clock=lambda: utc_now() + timedelta(minutes=5))
    outcomes = recover_due_orders(orders, late, stock, clock=lambda: utc_now() + timedelta(minutes=5))
    assert outcomes == {"failed": 1}
    assert client.get(f"/orders/{order_id}", headers=alice).json["status"] == "FAILED"
    assert stock.reservations[order_id].status == "RELEASED"
    assert recover_due_orders(orders, late, stock, clock=lambda: utc_now() + timedelta(minutes=5)) == {}


def test_recovery_confirms_an_order_whose_stock_was_reserved(app, client, alice, cart, stock):
    cart.lines["alice"] = [CartLine("tea", 2)]
    stock.reserve(order_id_for("alice", "key-1"), [CartLine("tea", 2)])  # reserved, then a crash
    stock.failure = ServiceUnavailable("products timed out")
    checkout(client, alice)
    stock.failure = None
    orders = app.extensions[REPOSITORY_EXTENSION]
    later = lambda: utc_now() + timedelta(minutes=5)  # noqa: E731
    late = Checkout(orders, cart, stock, CheckoutSettings(), clock=later)
    assert recover_due_orders(orders, late, stock, clock=later) == {"confirmed": 1}
    order = client.get(f"/orders/{order_id_for('alice', 'key-1')}", headers=alice).json
    assert order["status"] == "CONFIRMED" and order["total_price"] == "9.00"
    assert cart.lines["alice"] == []
    assert stock.stock["tea"] == 8


def test_cancel_gives_stock_back_once(client, alice, cart, stock):
    cart.lines["alice"] = [CartLine("pot", 2)]
    order_id = checkout(client, alice).json["order_id"]
    assert stock.stock["pot"] == 0
    cancelled = client.post(f"/orders/{order_id}/cancel", headers=alice)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "CANCELLED"
    assert stock.stock["pot"] == 2
    assert client.post(f"/orders/{order_id}/cancel", headers=alice).status_code == 409
    assert stock.stock["pot"] == 2


def test_users_never_see_each_others_orders(client, alice, bob, cart):
    cart.lines["alice"] = [CartLine("tea", 1)]
    order_id = checkout(client, alice).json["order_id"]
    assert client.get(f"/orders/{order_id}", headers=bob).status_code == 404
    assert client.post(f"/orders/{order_id}/cancel", headers=bob).status_code == 404
    assert client.get("/orders", headers=bob).json["items"] == []
    assert checkout(client, bob).status_code == 422  # same key, other user: another order


def test_history_is_newest_first_and_paginated(client, alice, cart):
    ids = []
    for number in range(5):
        cart.lines["alice"] = [CartLine("tea", 1)]
        ids.append(checkout(client, alice, key=f"k{number}").json["order_id"])
    seen, cursor = [], None
    while True:
        page = client.get("/orders?limit=2" + (f"&cursor={cursor}" if cursor else ""), headers=alice).json
        seen += [order["order_id"] for order in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))


def test_a_cursor_of_another_user_is_400(client, alice, bob, cart):
    for number in range(3):
        cart.lines["alice"] = [CartLine("tea", 1)]
        checkout(client, alice, key=f"k{number}")
    cursor = client.get("/orders?limit=1", headers=alice).json["next_cursor"]
    assert client.get(f"/orders?limit=1&cursor={cursor}", headers=bob).status_code == 400


def test_service_credential_and_anonymous_are_refused(client, auth_headers):
    service = auth_headers("cart", scopes=["shopsmart/internal"])
    assert client.get("/orders", headers=service).status_code == 403
    assert client.get("/orders").status_code == 401


def test_order_status_values_are_the_documented_ones():
    assert {status.value for status in Status} == {"PENDING", "CONFIRMED", "FAILED", "CANCELLED"}


def test_the_cart_is_cleared_alongside_the_commit_with_the_request_id(client, alice, cart, monkeypatch):
    seen: list[str | None] = []
    remove_bought = cart.remove_bought

    def remove_and_note(*args):
        seen.append(g.get("request_id"))
        return remove_bought(*args)

    monkeypatch.setattr(cart, "remove_bought", remove_and_note)
    cart.lines["alice"] = [CartLine("tea", 1)]
    response = client.post(
        "/orders",
        headers={**alice, "Idempotency-Key": "k1", "X-Request-ID": "req-42"},
        json={"cart_version": cart.version("alice")},
    )
    assert response.status_code == 201
    assert seen == ["req-42"]
    assert cart.lines["alice"] == []


def test_a_confirmation_that_landed_despite_an_error_is_finished_not_released(
    app, client, alice, cart, stock
):
    orders = app.extensions[REPOSITORY_EXTENSION]
    confirm = orders.confirm

    def confirm_then_lose_the_answer(*args):
        confirm(*args)
        raise Unavailable("the answer was lost")

    orders.confirm = confirm_then_lose_the_answer
    cart.lines["alice"] = [CartLine("tea", 2)]
    response = checkout(client, alice)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "CONFIRMED"
    assert stock.reservations[response.json["order_id"]].status == "COMMITTED"
    assert stock.stock["tea"] == 8


def test_a_confirmation_that_did_not_land_fails_the_order_then_releases(app, client, alice, cart, stock):
    orders = app.extensions[REPOSITORY_EXTENSION]

    def confirm_fails(*args):
        raise Unavailable("DynamoDB is down")

    orders.confirm = confirm_fails
    cart.lines["alice"] = [CartLine("tea", 2)]
    response = checkout(client, alice)
    assert response.status_code == 503
    order_id = order_id_for("alice", "key-1")
    assert client.get(f"/orders/{order_id}", headers=alice).json["status"] == "FAILED"
    assert stock.reservations[order_id].status == "RELEASED"
    assert stock.stock["tea"] == 10
    assert orders.due_for_recovery("9999") == []
