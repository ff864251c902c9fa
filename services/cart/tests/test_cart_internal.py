"""The internal API used by checkout: the consistent read and the exact, repeatable removals."""

from __future__ import annotations

from datetime import datetime

import pytest


@pytest.fixture
def fill(client, alice, products):
    """Put lines into alice's cart through the public API."""

    def put(**quantities: int) -> None:
        for product_id, quantity in quantities.items():
            products.add(product_id)
            response = client.put(f"/cart/items/{product_id}", json={"quantity": quantity}, headers=alice)
            assert response.status_code == 200

    return put


def read(client, service, user_id: str = "alice") -> dict:
    response = client.get(f"/internal/v1/carts/{user_id}", headers=service)
    assert response.status_code == 200, response.json
    return response.json


def remove(client, service, order_id: str, read_at: str, user_id: str = "alice", **bought: int):
    items = [{"product_id": pid, "quantity": quantity} for pid, quantity in bought.items()]
    return client.post(
        f"/internal/v1/carts/{user_id}/checkout-removals",
        json={"order_id": order_id, "read_at": read_at, "items": items},
        headers=service,
    )


def lines_of(client, alice) -> dict[str, int]:
    return {item["product_id"]: item["quantity"] for item in client.get("/cart", headers=alice).json["items"]}


def test_the_checkout_read_lists_lines_and_when_they_were_read(client, service, fill):
    fill(a=2, b=1)
    cart = read(client, service)
    assert cart["user_id"] == "alice"
    assert [(i["product_id"], i["quantity"]) for i in cart["items"]] == [("a", 2), ("b", 1)]
    read_at = datetime.fromisoformat(cart["read_at"])
    assert read_at.utcoffset().total_seconds() == 0
    assert all(datetime.fromisoformat(item["added_at"]) <= read_at for item in cart["items"])
    assert "#cart" not in {item["product_id"] for item in cart["items"]}


def test_an_empty_cart_reads_as_no_items(client, service):
    cart = read(client, service, "nobody")
    assert cart["user_id"] == "nobody" and cart["items"] == []


def test_internal_paths_refuse_users_and_anonymous_callers(client, alice, expect_problem, fill):
    fill(a=1)
    body = {
        "order_id": "o1",
        "read_at": "2030-01-01T00:00:00Z",
        "items": [{"product_id": "a", "quantity": 1}],
    }
    expect_problem(client.get("/internal/v1/carts/alice", headers=alice), 403)
    expect_problem(client.post("/internal/v1/carts/alice/checkout-removals", json=body, headers=alice), 403)
    expect_problem(client.get("/internal/v1/carts/alice"), 401)
    expect_problem(client.post("/internal/v1/carts/alice/checkout-removals", json=body), 401)
    assert lines_of(client, alice) == {"a": 1}


def test_checkout_removes_exactly_what_was_bought(client, alice, service, fill, products):
    fill(decremented=5, deleted=2, readded=1, lowered=4, raised=2)
    cart = read(client, service)
    # After the read: one line is re-added (newer), one lowered, one raised, one brand new.
    assert client.delete("/cart/items/readded", headers=alice).status_code == 204
    client.put("/cart/items/readded", json={"quantity": 1}, headers=alice)
    client.put("/cart/items/lowered", json={"quantity": 1}, headers=alice)
    client.post("/cart/items", json={"product_id": "raised", "quantity": 1}, headers=alice)
    fill(newcomer=1)

    bought = {"decremented": 2, "deleted": 2, "readded": 1, "lowered": 4, "raised": 2, "vanished": 1}
    response = remove(client, service, "order-1", cart["read_at"], **bought)

    assert response.status_code == 200
    assert response.json["order_id"] == "order-1"
    removed = {item["product_id"]: item["quantity"] for item in response.json["removed"]}
    assert removed == {"decremented": 2, "deleted": 2, "lowered": 4, "raised": 2, "vanished": 1}
    assert response.json["kept"] == [{"product_id": "readded", "quantity": 1}]
    assert lines_of(client, alice) == {"decremented": 3, "readded": 1, "raised": 1, "newcomer": 1}


def test_repeating_a_removal_changes_nothing(client, alice, service, fill, stored):
    fill(a=5, b=2)
    read_at = read(client, service)["read_at"]
    first = remove(client, service, "order-1", read_at, a=2, b=2)
    assert lines_of(client, alice) == {"a": 3}
    header_after_first = stored("alice", "#cart")["LineProductIDs"]
    fill(b=1)  # re-added after the checkout: newer than read_at, so it stays
    for _ in range(2):
        again = remove(client, service, "order-1", read_at, a=2, b=2)
        assert again.status_code == 200
        assert again.json["removed"] == [{"product_id": "a", "quantity": 2}]
        assert again.json["kept"] == [{"product_id": "b", "quantity": 2}]
        assert lines_of(client, alice) == {"a": 3, "b": 1}
    assert first.json["removed"] == [{"product_id": "a", "quantity": 2}, {"product_id": "b", "quantity": 2}]
    assert header_after_first == {"a"}
    assert stored("alice", "a")["CheckoutOrderIDs"] == {"order-1"}


def test_another_order_takes_its_own_quantity(client, alice, service, fill):
    fill(a=5)
    read_at = read(client, service)["read_at"]
    remove(client, service, "order-1", read_at, a=2)
    remove(client, service, "order-2", read(client, service)["read_at"], a=2)
    assert lines_of(client, alice) == {"a": 1}


def test_removals_touch_only_the_named_users_cart(client, alice, bob, service, fill, products):
    fill(a=3)
    client.put("/cart/items/a", json={"quantity": 3}, headers=bob)
    remove(client, service, "order-1", read(client, service, "bob")["read_at"], user_id="bob", a=3)
    assert lines_of(client, alice) == {"a": 3}
    assert lines_of(client, bob) == {}


@pytest.mark.parametrize(
    "body",
    [
        {"read_at": "2030-01-01T00:00:00Z", "items": [{"product_id": "a", "quantity": 1}]},
        {"order_id": "", "read_at": "2030-01-01T00:00:00Z", "items": [{"product_id": "a", "quantity": 1}]},
        {"order_id": "o1", "items": [{"product_id": "a", "quantity": 1}]},
        {"order_id": "o1", "read_at": "2030-01-01T00:00:00", "items": [{"product_id": "a", "quantity": 1}]},
        {"order_id": "o1", "read_at": "yesterday", "items": [{"product_id": "a", "quantity": 1}]},
        {"order_id": "o1", "read_at": "2030-01-01T00:00:00Z", "items": []},
        {"order_id": "o1", "read_at": "2030-01-01T00:00:00Z", "items": [{"product_id": "a", "quantity": 0}]},
        {
            "order_id": "o1",
            "read_at": "2030-01-01T00:00:00Z",
            "items": [{"product_id": "a", "quantity": 1}, {"product_id": "a", "quantity": 2}],
        },
        {"order_id": "o1", "read_at": "2030-01-01T00:00:00Z", "items": [{"product_id": "a"}], "x": 1},
    ],
)
def test_invalid_removals_are_422_and_change_nothing(client, alice, service, fill, expect_problem, body):
    fill(a=2)
    response = client.post("/internal/v1/carts/alice/checkout-removals", json=body, headers=service)
    expect_problem(response, 422)
    assert lines_of(client, alice) == {"a": 2}


def test_unknown_fields_of_a_newer_orders_release_are_ignored(client, service, alice, fill):
    fill(a=2, b=1)
    body = {
        "order_id": "o-new",
        "read_at": read(client, service)["read_at"],
        "items": [{"product_id": "a", "quantity": 2, "gift_wrap": True}],
        "cart_version": 7,
    }
    response = client.post("/internal/v1/carts/alice/checkout-removals", json=body, headers=service)
    assert response.status_code == 200, response.json
    assert lines_of(client, alice) == {"b": 1}


def claim(client, service, order_id: str, version: str = "v1.seen", replacing: str | None = None):
    body = {"order_id": order_id, "cart_version": version, **({"replacing": replacing} if replacing else {})}
    return client.post("/internal/v1/carts/alice/checkout-claims", json=body, headers=service)


def test_a_cart_is_held_by_one_order_until_released_or_replaced(client, service, fill):
    fill(a=2)
    first = claim(client, service, "order-1")
    assert first.status_code == 200 and [i["product_id"] for i in first.json["items"]] == ["a"]
    assert claim(client, service, "order-1").status_code == 200  # the same order, again

    refused = claim(client, service, "order-2", version="v1.other")
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    assert refused.json["holding_order_id"] == "order-1"
    assert claim(client, service, "order-2", replacing="order-other").status_code == 409
    assert claim(client, service, "order-2", replacing="order-1").status_code == 200

    assert (
        client.delete("/internal/v1/carts/alice/checkout-claims/order-1", headers=service).status_code == 204
    )
    assert claim(client, service, "order-3").status_code == 409  # order-1 no longer held it
    assert (
        client.delete("/internal/v1/carts/alice/checkout-claims/order-2", headers=service).status_code == 204
    )
    assert claim(client, service, "order-3").status_code == 200


def test_the_hold_of_an_order_that_bought_the_cart_passes_only_to_another_version(client, service, fill):
    fill(a=2)
    held = claim(client, service, "order-1", version="v1.bought").json
    assert remove(client, service, "order-1", held["read_at"], a=2).status_code == 200
    fill(a=1)

    duplicate = claim(client, service, "order-2", version="v1.bought")
    assert duplicate.status_code == 409 and duplicate.json["holding_order_id"] == "order-1"
    assert claim(client, service, "order-3", version="v1.filled-again").status_code == 200
    assert claim(client, service, "order-4", version="v1.other").status_code == 409  # order-3 is busy


def test_an_empty_cart_is_not_held(client, service):
    assert claim(client, service, "order-1").json["items"] == []
    assert claim(client, service, "order-2").status_code == 200


def test_the_cart_version_changes_with_lines_prices_and_a_line_added_again(client, alice, fill, products):
    fill(a=2)
    version = client.get("/cart", headers=alice).json["version"]
    assert client.get("/cart", headers=alice).json["version"] == version
    fill(a=3)
    assert client.get("/cart", headers=alice).json["version"] != version
    version = client.get("/cart", headers=alice).json["version"]
    products.catalogue["a"]["price"] = "11.00"
    again = client.get("/cart", headers=alice).json["version"]
    assert again != version
    client.delete("/cart/items/a", headers=alice)
    fill(a=3)
    assert client.get("/cart", headers=alice).json["version"] != again
