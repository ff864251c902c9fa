"""The public cart API: validation, lines and their limits, the enriched view, auth and isolation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest


def add(client, headers, product_id: str, quantity: int = 1):
    return client.post("/cart/items", json={"product_id": product_id, "quantity": quantity}, headers=headers)


def cart_of(client, headers) -> dict:
    response = client.get("/cart", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def quantities(client, headers) -> dict[str, int]:
    return {item["product_id"]: item["quantity"] for item in cart_of(client, headers)["items"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"product_id": "p1", "quantity": 0}, "quantity"),
        ({"product_id": "p1", "quantity": 100}, "quantity"),
        ({"product_id": "p1", "quantity": -1}, "quantity"),
        ({"product_id": "p1", "quantity": "2"}, "quantity"),
        ({"product_id": "p1", "quantity": 1.5}, "quantity"),
        ({"product_id": "p1", "quantity": True}, "quantity"),
        ({"product_id": "p1", "quantity": None}, "quantity"),
        ({"product_id": "p1"}, "quantity"),
        ({"quantity": 1}, "product_id"),
        ({"product_id": "", "quantity": 1}, "product_id"),
        ({"product_id": "#cart", "quantity": 1}, "product_id"),
        ({"product_id": "a,b", "quantity": 1}, "product_id"),
        ({"product_id": "p1", "quantity": 1, "price": "0.01"}, "price"),
    ],
)
def test_add_rejects_an_invalid_body_with_422(client, alice, products, expect_problem, body, field):
    products.add("p1")
    problem = expect_problem(client.post("/cart/items", json=body, headers=alice), 422)
    assert field in problem["errors"]["json"]
    assert cart_of(client, alice)["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 100}, "quantity"),
        ({"quantity": "2"}, "quantity"),
        ({}, "quantity"),
        ({"quantity": 2, "product_id": "p2"}, "product_id"),
    ],
)
def test_set_rejects_an_invalid_body_with_422(client, alice, products, expect_problem, body, field):
    products.add("p1")
    problem = expect_problem(client.put("/cart/items/p1", json=body, headers=alice), 422)
    assert field in problem["errors"]["json"]


@pytest.mark.parametrize("method", ["post", "put"])
def test_malformed_json_is_400(client, alice, expect_problem, method):
    path = "/cart/items" if method == "post" else "/cart/items/p1"
    response = getattr(client, method)(path, data="{not json", content_type="application/json", headers=alice)
    expect_problem(response, 400)


@pytest.mark.parametrize(
    ("method", "path"), [("post", "/cart/items"), ("put", "/cart/items/p1"), ("post", "/cart/merge")]
)
def test_an_integer_python_refuses_to_read_is_400(client, alice, new_guest, expect_problem, method, path):
    # Over 4,300 digits Python's JSON reader raises a plain ValueError, not a JSONDecodeError.
    body = '{"product_id": "p1", "quantity": ' + "9" * 5000 + "}"
    callers = [{**alice, **new_guest()}] if path == "/cart/merge" else [alice, new_guest()]
    for headers in callers:
        response = getattr(client, method)(path, data=body, content_type="application/json", headers=headers)
        expect_problem(response, 400)


def test_add_creates_a_line_then_adds_to_it(client, alice, products):
    products.add("p1")
    first = add(client, alice, "p1", 2)
    assert first.status_code == 200
    assert first.json["product_id"] == "p1" and first.json["quantity"] == 2
    added_at = datetime.fromisoformat(first.json["added_at"])
    assert added_at.tzinfo == UTC and abs((datetime.now(UTC) - added_at).total_seconds()) < 60
    second = add(client, alice, "p1", 3)
    assert second.json == {"product_id": "p1", "quantity": 5, "added_at": first.json["added_at"]}
    assert quantities(client, alice) == {"p1": 5}


def test_a_line_holds_at_most_99(client, alice, products, expect_problem):
    products.add("p1")
    assert add(client, alice, "p1", 60).status_code == 200
    assert add(client, alice, "p1", 39).json["quantity"] == 99
    problem = expect_problem(add(client, alice, "p1", 1), 422)
    assert "99" in problem["detail"] and "quantity" in problem["errors"]["json"]
    assert quantities(client, alice) == {"p1": 99}


def test_an_add_that_would_pass_99_changes_nothing(client, alice, products, expect_problem):
    products.add("p1")
    add(client, alice, "p1", 98)
    expect_problem(add(client, alice, "p1", 2), 422)
    assert quantities(client, alice) == {"p1": 98}


def test_an_unknown_product_is_404_and_never_stored(client, alice, products, expect_problem):
    products.add("p1")
    expect_problem(add(client, alice, "ghost"), 404)
    expect_problem(client.put("/cart/items/ghost", json={"quantity": 1}, headers=alice), 404)
    expect_problem(client.put("/cart/items/%23cart", json={"quantity": 1}, headers=alice), 404)
    assert ("GET", "/products/ghost", None) in products.calls
    assert cart_of(client, alice)["items"] == []


def test_set_creates_then_replaces_the_quantity(client, alice, products):
    products.add("p1")
    created = client.put("/cart/items/p1", json={"quantity": 7}, headers=alice)
    assert created.status_code == 200 and created.json["quantity"] == 7
    changed = client.put("/cart/items/p1", json={"quantity": 2}, headers=alice)
    assert changed.json == {"product_id": "p1", "quantity": 2, "added_at": created.json["added_at"]}
    assert quantities(client, alice) == {"p1": 2}


def test_a_cart_holds_at_most_50_lines(client, alice, products, expect_problem):
    for number in range(51):
        products.add(f"p{number:02d}")
    for number in range(50):
        assert add(client, alice, f"p{number:02d}").status_code == 200
    problem = expect_problem(add(client, alice, "p50"), 422)
    assert "50" in problem["detail"]
    expect_problem(client.put("/cart/items/p50", json={"quantity": 1}, headers=alice), 422)
    # Lines already in a full cart can still change.
    assert add(client, alice, "p00", 4).json["quantity"] == 5
    assert client.put("/cart/items/p01", json={"quantity": 9}, headers=alice).status_code == 200
    assert len(quantities(client, alice)) == 50
    assert client.delete("/cart/items/p02", headers=alice).status_code == 204
    assert add(client, alice, "p50").status_code == 200
    assert len(quantities(client, alice)) == 50


def test_the_view_is_enriched_by_one_products_call_with_an_exact_subtotal(client, alice, products):
    products.add("a", price="19.99", inventory_count=3, name="Teapot", image_url="https://img/a.png")
    products.add("b", price="0.10", inventory_count=0)
    products.add("c", price="33.33")
    for product_id, quantity in (("a", 3), ("b", 7), ("c", 1)):
        add(client, alice, product_id, quantity)
    products.calls.clear()
    cart = cart_of(client, alice)
    assert len(products.calls) == 1
    method, path, params = products.calls[0]
    assert (method, path) == ("GET", "/products")
    assert sorted(params["ids"].split(",")) == ["a", "b", "c"]
    assert cart["subtotal"] == "94.00"
    assert cart["items"][0] == {
        "product_id": "a",
        "quantity": 3,
        "name": "Teapot",
        "price": "19.99",
        "inventory_count": 3,
        "image_url": "https://img/a.png",
        "line_total": "59.97",
        "available": True,
        "added_price": "19.99",
        "price_changed": False,
    }
    assert [(i["product_id"], i["line_total"]) for i in cart["items"]] == [
        ("a", "59.97"),
        ("b", "0.70"),
        ("c", "33.33"),
    ]


def test_an_empty_cart_needs_no_products_call(client, alice, products):
    assert cart_of(client, alice) == {"items": [], "subtotal": "0.00", "version": "v1.W10"}
    assert products.calls == []


def test_a_line_whose_product_is_gone_is_shown_unavailable_and_not_charged(client, alice, products):
    products.add("kept", price="2.50")
    products.add("gone", price="99.99")
    add(client, alice, "kept", 2)
    add(client, alice, "gone", 1)
    del products.catalogue["gone"]
    cart = cart_of(client, alice)
    gone = next(item for item in cart["items"] if item["product_id"] == "gone")
    assert gone == {
        "product_id": "gone",
        "quantity": 1,
        "name": None,
        "price": None,
        "inventory_count": None,
        "image_url": None,
        "line_total": None,
        "available": False,
        "added_price": "99.99",
        "price_changed": False,
    }
    assert cart["subtotal"] == "5.00"


def test_delete_a_line(client, alice, products, expect_problem):
    products.add("p1")
    products.add("p2")
    add(client, alice, "p1")
    add(client, alice, "p2")
    assert client.delete("/cart/items/p1", headers=alice).status_code == 204
    assert quantities(client, alice) == {"p2": 1}
    expect_problem(client.delete("/cart/items/p1", headers=alice), 404)
    expect_problem(client.delete("/cart/items/never", headers=alice), 404)


def test_the_cart_header_is_never_a_line(client, alice, products, stored, expect_problem):
    products.add("p1")
    add(client, alice, "p1")
    expect_problem(client.delete("/cart/items/%23cart", headers=alice), 404)
    assert stored("alice", "#cart")["LineProductIDs"] == {"p1"}
    assert [item["product_id"] for item in cart_of(client, alice)["items"]] == ["p1"]


def test_empty_the_cart_then_fill_it_again(client, alice, products, stored):
    for number in range(50):
        products.add(f"p{number:02d}")
        add(client, alice, f"p{number:02d}")
    assert client.delete("/cart", headers=alice).status_code == 204
    assert cart_of(client, alice)["items"] == []
    assert "LineProductIDs" not in stored("alice", "#cart")
    assert client.delete("/cart", headers=alice).status_code == 204
    for number in range(50):
        assert add(client, alice, f"p{number:02d}").status_code == 200


def test_a_user_never_sees_or_changes_another_users_cart(client, alice, bob, products, expect_problem):
    products.add("p1")
    products.add("p2")
    add(client, alice, "p1", 3)
    assert cart_of(client, bob)["items"] == []
    expect_problem(client.delete("/cart/items/p1", headers=bob), 404)
    assert client.delete("/cart", headers=bob).status_code == 204
    assert client.put("/cart/items/p1", json={"quantity": 9}, headers=bob).status_code == 200
    add(client, bob, "p2")
    assert quantities(client, alice) == {"p1": 3}
    assert quantities(client, bob) == {"p1": 9, "p2": 1}


def test_no_token_is_401_everywhere(client, expect_problem):
    expect_problem(client.get("/cart"), 401)
    expect_problem(client.delete("/cart"), 401)
    expect_problem(client.post("/cart/items", json={"product_id": "p1", "quantity": 1}), 401)
    expect_problem(client.put("/cart/items/p1", json={"quantity": 1}), 401)
    expect_problem(client.delete("/cart/items/p1"), 401)
    expect_problem(client.get("/cart", headers={"Authorization": "Bearer not-a-jwt"}), 401)


def test_an_expired_token_is_401(client, auth_headers, expect_problem):
    expect_problem(client.get("/cart", headers=auth_headers("alice", ttl=-120)), 401)


def test_the_service_credential_is_refused_on_public_paths(client, service, products, expect_problem):
    products.add("p1")
    expect_problem(client.get("/cart", headers=service), 403)
    expect_problem(client.delete("/cart", headers=service), 403)
    expect_problem(client.post("/cart/items", json={"product_id": "p1", "quantity": 1}, headers=service), 403)
    expect_problem(client.put("/cart/items/p1", json={"quantity": 1}, headers=service), 403)
    expect_problem(client.delete("/cart/items/p1", headers=service), 403)
    assert products.calls == []


def test_openapi_documents_the_public_and_internal_paths(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json["paths"]
    assert {"/cart", "/cart/items", "/cart/items/{product_id}", "/internal/v1/carts/{user_id}"} <= set(paths)
    assert "/internal/v1/carts/{user_id}/checkout-removals" in paths
    # Still served for older orders releases until they all call /internal/v1 (expand, migrate, contract).
    assert paths["/internal/carts/{user_id}"]["get"]["deprecated"] is True
    assert "deprecated" not in paths["/internal/v1/carts/{user_id}"]["get"]
    assert set(paths["/cart/items/{product_id}"]) >= {"put", "delete"}


def test_health(client):
    assert client.get("/health/live").json == {"status": "live"}
    assert client.get("/health/ready").json == {"status": "ready"}
