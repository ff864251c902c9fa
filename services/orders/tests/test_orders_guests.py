"""A guest's checkout: refused with a request to sign in, the cart left alone."""

from __future__ import annotations

from orders_service.orders import CartLine

GUEST = {"X-Guest-Token": "0123456789abcdef0123456789abcdef.signature"}
PROBLEM = "application/problem+json"


def test_a_guest_is_asked_to_sign_in_to_check_out(client, cart):
    cart.down = True  # a guest's request must never reach the cart
    response = client.post("/orders", headers={**GUEST, "Idempotency-Key": "k1"})
    assert response.status_code == 401 and response.content_type == PROBLEM
    assert response.json["detail"] == "Sign in to check out; your cart is kept."
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_without_any_token_checkout_still_asks_for_a_bearer_token(client):
    response = client.post("/orders", headers={"Idempotency-Key": "k1"})
    assert response.status_code == 401
    assert "bearer token" in response.json["detail"]


def test_a_signed_in_user_with_a_leftover_guest_token_checks_out(client, alice, cart):
    cart.lines["alice"] = [CartLine("tea", 2)]
    response = client.post(
        "/orders",
        headers={**alice, **GUEST, "Idempotency-Key": "k1"},
        json={"cart_version": cart.version("alice")},
    )
    assert response.status_code == 201, response.json
    assert response.json["total_price"] == "9.00"
