"""What the gateway passes to a service and back, and what it answers when a service is down."""

from __future__ import annotations

import json


def test_request_headers_and_body_reach_the_service(client, fakes):
    body = json.dumps({"product_id": "kitchen-mug", "quantity": 2})

    client.post(
        "/orders?x=1",
        data=body,
        headers={
            "Authorization": "Bearer abc.def.ghi",
            "Idempotency-Key": "checkout-1",
            "If-Match": '"3"',
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-Request-ID": "req-123",
        },
    )

    seen = fakes["orders"].seen[-1]
    assert seen["method"] == "POST"
    assert seen["body"] == body
    headers = seen["headers"]
    assert headers["Authorization"] == "Bearer abc.def.ghi"
    assert headers["Idempotency-Key"] == "checkout-1"
    assert headers["If-Match"] == '"3"'
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept"] == "application/json"
    assert headers["X-Request-Id"] == "req-123"
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["Host"] != "localhost"  # the service's own, not the gateway's


def test_a_request_id_is_made_when_the_client_sends_none_and_returned(client, fakes):
    response = client.get("/cart")

    sent = fakes["cart"].seen[-1]["headers"]["X-Request-Id"]
    assert sent
    assert response.headers["X-Request-ID"] == sent


def test_a_forged_request_id_is_replaced(client, fakes):
    response = client.get("/cart", headers={"X-Request-ID": "bad id\twith spaces"})

    sent = fakes["cart"].seen[-1]["headers"]["X-Request-Id"]
    assert sent != "bad id\twith spaces"
    assert response.headers["X-Request-ID"] == sent


def test_hop_by_hop_headers_are_not_passed_on(client, fakes):
    client.get(
        "/cart", headers={"Connection": "keep-alive, X-Secret", "Keep-Alive": "timeout=5", "TE": "trailers"}
    )

    headers = fakes["cart"].seen[-1]["headers"]
    assert "Keep-Alive" not in headers
    assert "Te" not in headers
    assert "X-Secret" not in headers.get("Connection", "")


def test_the_service_answer_comes_back_unchanged(client):
    response = client.get("/products/kitchen-mug")

    assert response.status_code == 200
    assert response.headers["ETag"] == '"7"'
    assert response.headers["X-Powered-By"] == "fake"
    assert response.content_type == "application/json"
    assert response.json["target"] == "/products/kitchen-mug"


def test_error_answers_keep_status_type_and_retry_after(client, expect_problem):
    response = client.post("/orders?status=409", headers={"Idempotency-Key": "k"})
    assert expect_problem(response, 409)["detail"] == "as asked"

    stale = client.patch("/products/p?status=412", headers={"If-Match": '"1"'})
    expect_problem(stale, 412)

    busy = client.get("/orders?status=503&retry_after=7")
    expect_problem(busy, 503)
    assert busy.headers["Retry-After"] == "7"


def test_an_empty_answer_stays_empty(client):
    response = client.delete("/cart/items/kitchen-mug?empty=1")

    assert response.status_code == 204
    assert response.data == b""
    assert "Content-Type" not in response.headers


def test_a_service_that_is_down_is_a_503_problem_with_retry_after(make_app, closed_url, expect_problem):
    client = make_app(ORDERS_URL=closed_url, RETRY_AFTER_SECONDS=3).test_client()

    response = client.post("/orders", headers={"Idempotency-Key": "k"})

    body = expect_problem(response, 503)
    assert "orders" in body["detail"]
    assert response.headers["Retry-After"] == "3"
    assert response.headers["X-Request-ID"]


def test_the_other_services_still_answer_while_one_is_down(make_app, closed_url):
    client = make_app(CART_URL=closed_url).test_client()

    assert client.get("/cart").status_code == 503
    assert client.get("/products").status_code == 200


def test_a_service_too_slow_to_answer_is_a_503_not_a_hang(make_app, expect_problem):
    client = make_app(UPSTREAM_READ_TIMEOUT=0.2).test_client()

    response = client.get("/products?sleep=1")

    body = expect_problem(response, 503)
    assert "did not answer in time" in body["detail"]
    assert response.headers["Retry-After"]


def test_a_body_too_large_is_refused_before_forwarding(make_app, fakes, expect_problem):
    client = make_app(MAX_CONTENT_LENGTH=100).test_client()

    response = client.post("/cart/items", data="x" * 200, content_type="application/json")

    expect_problem(response, 413)
    assert not fakes["cart"].seen


def test_the_guest_token_reaches_the_cart_and_orders(client, fakes):
    guest = {"X-Guest-Token": "0123456789abcdef0123456789abcdef.c2lnbmF0dXJl"}
    for method, path, service in [
        ("GET", "/cart", "cart"),
        ("POST", "/cart/items", "cart"),
        ("POST", "/cart/merge", "cart"),
        ("POST", "/orders", "orders"),
    ]:
        client.open(path, method=method, headers={**guest, "Idempotency-Key": "k"})
        seen = fakes[service].seen[-1]
        assert (seen["method"], seen["headers"]["X-Guest-Token"]) == (method, guest["X-Guest-Token"])


def test_a_new_guest_identity_is_asked_of_the_cart(client, fakes):
    client.post("/cart/guest")
    assert fakes["cart"].seen[-1]["method"] == "POST"
    assert fakes["cart"].seen[-1]["target"] == "/cart/guest"
