"""Merging a guest's cart into a signed-in user's: the rules, idempotency, and lost races."""

from __future__ import annotations

import importlib
import time
from decimal import Decimal

import pytest

from cart_service.api import REPOSITORY_EXTENSION
from cart_service.cart import CartBusy, CartLine, merge_guest_cart
from cart_service.repository import MOVES_PER_TRANSACTION

GUEST_HEADER = "X-Guest-Token"


def add(client, headers, product_id: str, quantity: int = 1):
    response = client.post(
        "/cart/items", json={"product_id": product_id, "quantity": quantity}, headers=headers
    )
    assert response.status_code == 200, response.json
    return response


def quantities(client, headers) -> dict[str, int]:
    response = client.get("/cart", headers=headers)
    assert response.status_code == 200, response.json
    return {item["product_id"]: item["quantity"] for item in response.json["items"]}


def merge(client, user, guest):
    return client.post("/cart/merge", json={"guest_token": guest[GUEST_HEADER]}, headers=user)


def prices(item: dict) -> tuple[str | None, str | None, bool]:
    """A cart item's price when added, its price now, and whether they differ."""
    return item["added_price"], item["price"], item["price_changed"]


def owner_of(guest: dict[str, str]) -> str:
    return "guest#" + guest[GUEST_HEADER].partition(".")[0]


def guest_quantities(client, guest) -> dict[str, int]:
    """The guest's stored lines, read from the table: after a merge the token opens no cart."""
    repository = client.application.extensions[REPOSITORY_EXTENSION]
    return {line.product_id: line.quantity for line in repository.lines(owner_of(guest))}


@pytest.fixture
def catalogue(products):
    for product_id in ("a", "b", "c"):
        products.add(product_id, price="2.00")
    return products


def test_merge_adds_quantities_and_removes_the_guest_lines(client, alice, new_guest, catalogue, stored):
    guest = new_guest()
    add(client, guest, "a", 2)
    add(client, guest, "b", 1)
    add(client, alice, "a", 3)
    add(client, alice, "c", 1)

    response = merge(client, alice, guest)

    assert response.status_code == 200, response.json
    assert quantities(client, alice) == {"a": 5, "b": 1, "c": 1}
    assert response.json["subtotal"] == "14.00"
    assert sorted(response.json["moved"], key=lambda item: item["product_id"]) == [
        {"product_id": "a", "quantity": 2},
        {"product_id": "b", "quantity": 1},
    ]
    assert response.json["not_moved"] == []
    assert guest_quantities(client, guest) == {}
    assert stored(owner_of(guest), "a") is None and stored(owner_of(guest), "b") is None
    assert "LineProductIDs" not in stored(owner_of(guest), "#cart")
    assert stored("alice", "#cart")["LineProductIDs"] == {"a", "b", "c"}


def test_merged_lines_live_as_long_as_the_users(client, alice, new_guest, catalogue, stored):
    guest = new_guest()
    add(client, guest, "a")
    before = int(time.time())
    merge(client, alice, guest)
    assert stored("alice", "a")["ExpiresAt"] >= before + 30 * 24 * 3600
    assert stored("alice", "#cart")["ExpiresAt"] >= before + 30 * 24 * 3600


def test_merged_quantities_are_capped_at_99(client, alice, new_guest, catalogue):
    guest = new_guest()
    add(client, guest, "a", 60)
    add(client, guest, "b", 5)
    add(client, alice, "a", 50)
    add(client, alice, "b", 99)
    response = merge(client, alice, guest)
    assert response.status_code == 200
    assert quantities(client, alice) == {"a": 99, "b": 99}
    assert guest_quantities(client, guest) == {}


def test_the_50_line_limit_holds_and_lines_that_do_not_fit_stay_with_the_guest(
    client, alice, new_guest, products, stored
):
    for number in range(52):
        products.add(f"p{number:02d}")
    for number in range(48):
        add(client, alice, f"p{number:02d}")
    guest = new_guest()
    for number in (0, 48, 49, 50, 51):  # p00 is already a line of alice's, so it needs no place
        add(client, guest, f"p{number:02d}", 2)

    response = merge(client, alice, guest)

    assert response.status_code == 200
    assert {item["product_id"] for item in response.json["moved"]} == {"p00", "p48", "p49"}
    assert response.json["not_moved"] == [
        {"product_id": "p50", "quantity": 2},
        {"product_id": "p51", "quantity": 2},
    ]
    mine = quantities(client, alice)
    assert len(mine) == 50 and mine["p00"] == 3 and mine["p48"] == 2
    assert len(stored("alice", "#cart")["LineProductIDs"]) == 50
    assert guest_quantities(client, guest) == {"p50": 2, "p51": 2}

    # Once places are free, merging again moves the rest.
    client.delete("/cart/items/p01", headers=alice)
    client.delete("/cart/items/p02", headers=alice)
    again = merge(client, alice, guest)
    assert again.json["moved"] == [{"product_id": "p50", "quantity": 2}, {"product_id": "p51", "quantity": 2}]
    assert again.json["not_moved"] == []
    assert guest_quantities(client, guest) == {}
    assert len(quantities(client, alice)) == 50


def test_a_replayed_merge_adds_nothing(client, alice, new_guest, catalogue):
    guest = new_guest()
    add(client, guest, "a", 2)
    add(client, alice, "a", 1)
    first = merge(client, alice, guest)
    for _ in range(3):
        again = merge(client, alice, guest)
        assert again.status_code == 200
        assert again.json["moved"] == [] and again.json["not_moved"] == []
        assert again.json["items"] == first.json["items"]
    assert quantities(client, alice) == {"a": 3}


def test_a_guest_cart_of_50_lines_moves_in_several_transactions(
    client, alice, new_guest, products, repository, monkeypatch
):
    for number in range(50):
        products.add(f"p{number:02d}")
    guest = new_guest()
    for number in range(50):
        add(client, guest, f"p{number:02d}", 1 + number % 3)
    transactions = []
    transact = repository._client.transact_write_items

    def counted(**request):
        transactions.append(len(request["TransactItems"]))
        return transact(**request)

    with monkeypatch.context() as patch:
        patch.setattr(repository._client, "transact_write_items", counted)
        response = merge(client, alice, guest)
    assert response.status_code == 200
    assert len(response.json["moved"]) == 50
    assert transactions == [2 * MOVES_PER_TRANSACTION + 2, 2 * (50 - MOVES_PER_TRANSACTION) + 2]
    assert max(transactions) <= 100
    assert sum(quantities(client, alice).values()) == sum(1 + number % 3 for number in range(50))
    assert guest_quantities(client, guest) == {}


def test_a_merge_racing_another_merge_counts_each_line_once(
    client, alice, new_guest, catalogue, repository, monkeypatch
):
    guest = new_guest()
    add(client, guest, "a", 2)
    add(client, guest, "b", 3)
    add(client, alice, "a", 1)
    guest_owner = owner_of(guest)
    read_lines = repository.lines
    other_tab = []

    def lines_then_a_concurrent_merge(owner: str) -> list[CartLine]:
        seen = read_lines(owner)
        if owner == "alice" and not other_tab:
            # Another tab's merge commits after this one has read both carts.
            other_tab.append("merging")
            other_tab.append(merge_guest_cart(repository, guest_owner, "alice"))
        return seen

    with monkeypatch.context() as patch:
        patch.setattr(repository, "lines", lines_then_a_concurrent_merge)
        outcome = merge_guest_cart(repository, guest_owner, "alice")

    assert outcome.moved == [] and len(other_tab[1].moved) == 2
    assert quantities(client, alice) == {"a": 3, "b": 3}
    assert guest_quantities(client, guest) == {}


def test_a_merge_racing_an_add_to_the_users_line_keeps_both(
    client, alice, new_guest, catalogue, repository, monkeypatch
):
    guest = new_guest()
    add(client, guest, "a", 2)
    add(client, alice, "a", 1)
    read_lines = repository.lines
    raced = []

    def lines_then_a_concurrent_add(owner: str) -> list[CartLine]:
        seen = read_lines(owner)
        if owner == "alice" and not raced:
            raced.append(add(client, alice, "a", 4))
        return seen

    with monkeypatch.context() as patch:
        patch.setattr(repository, "lines", lines_then_a_concurrent_add)
        merge_guest_cart(repository, owner_of(guest), "alice")
    assert quantities(client, alice) == {"a": 7}


def test_a_merge_racing_the_guest_keeps_what_the_guest_added(
    client, alice, new_guest, catalogue, repository, monkeypatch
):
    guest = new_guest()
    add(client, guest, "a", 2)
    read_lines = repository.lines
    raced = []

    def lines_then_the_guest_adds(owner: str) -> list[CartLine]:
        seen = read_lines(owner)
        if owner == "alice" and not raced:
            raced.append(add(client, guest, "a", 1))
        return seen

    with monkeypatch.context() as patch:
        patch.setattr(repository, "lines", lines_then_the_guest_adds)
        merge_guest_cart(repository, owner_of(guest), "alice")
    assert quantities(client, alice) == {"a": 3}
    assert guest_quantities(client, guest) == {}


def test_expired_lines_of_the_user_free_their_places_for_a_merge(
    client, alice, new_guest, products, set_expiry, stored
):
    for number in range(51):
        products.add(f"p{number:02d}")
    for number in range(50):
        add(client, alice, f"p{number:02d}")
    guest = new_guest()
    add(client, guest, "p50")
    set_expiry("alice", "p07", int(time.time()) - 1)
    response = merge(client, alice, guest)
    assert response.json["moved"] == [{"product_id": "p50", "quantity": 1}]
    listed = stored("alice", "#cart")["LineProductIDs"]
    assert "p50" in listed and "p07" not in listed and len(listed) == 50


def test_merged_lines_keep_the_guests_price_at_add(client, alice, new_guest, products):
    products.add("a", price="9.99")
    products.add("b", price="5.00")
    add(client, alice, "a")
    products.add("a", price="8.49")
    guest = new_guest()
    add(client, guest, "a")
    add(client, guest, "b")
    products.add("b", price="4.00")
    items = {item["product_id"]: item for item in merge(client, alice, guest).json["items"]}
    assert prices(items["a"]) == ("8.49", "8.49", False)
    assert prices(items["b"]) == ("5.00", "4.00", True)


def test_merge_refuses_a_forged_guest_token(client, alice, new_guest, catalogue, expect_problem):
    guest = new_guest()
    add(client, guest, "a", 2)
    token = guest[GUEST_HEADER]
    for forged in (token[:-1], ("b" if token[0] == "a" else "a") + token[1:], token.partition(".")[0]):
        expect_problem(client.post("/cart/merge", json={"guest_token": forged}, headers=alice), 401)
    assert guest_quantities(client, guest) == {"a": 2}
    assert quantities(client, alice) == {}


def test_merge_needs_a_signed_in_user(client, new_guest, service, catalogue, expect_problem):
    guest = new_guest()
    add(client, guest, "a")
    body = {"guest_token": guest[GUEST_HEADER]}
    expect_problem(client.post("/cart/merge", json=body), 401)
    expect_problem(client.post("/cart/merge", json=body, headers=guest), 401)
    expect_problem(client.post("/cart/merge", json=body, headers=service), 403)
    assert guest_quantities(client, guest) == {"a": 1}


@pytest.mark.parametrize(
    "body", [{}, {"guest_token": 5}, {"guest_token": "x" * 300}, {"guest_token": "", "x": 1}]
)
def test_merge_rejects_an_invalid_body_with_422(client, alice, body, expect_problem):
    expect_problem(client.post("/cart/merge", json=body, headers=alice), 422)


def test_the_view_marks_a_price_changed_since_it_was_added(client, alice, products):
    products.add("a", price="9.99")
    products.add("b", price="1.00")
    add(client, alice, "a", 2)
    add(client, alice, "b")
    products.add("a", price="8.49")
    items = {item["product_id"]: item for item in client.get("/cart", headers=alice).json["items"]}
    assert prices(items["a"]) == ("9.99", "8.49", True)
    assert items["a"]["line_total"] == "16.98"
    assert items["b"]["price_changed"] is False
    # Adding again, or setting the quantity, takes the price of that moment.
    add(client, alice, "a", 1)
    items = {item["product_id"]: item for item in client.get("/cart", headers=alice).json["items"]}
    assert (items["a"]["added_price"], items["a"]["price_changed"]) == ("8.49", False)


def test_a_line_without_a_recorded_price_shows_no_change(client, alice, products, repository):
    products.add("a", price="3.00")
    assert repository.save(CartLine("alice", "a", 1, "2030-01-01T00:00:00.000000Z"), expected=None)
    item = client.get("/cart", headers=alice).json["items"][0]
    assert item["added_price"] is None and item["price_changed"] is False
    assert Decimal(item["price"]) == Decimal("3.00")


def test_a_race_lost_between_two_transactions_moves_the_rest_on_a_re_read(
    client, alice, new_guest, products, repository, monkeypatch
):
    for number in range(50):
        products.add(f"p{number:02d}")
    guest = new_guest()
    for number in range(50):
        add(client, guest, f"p{number:02d}", 1)
    transact = repository._client.transact_write_items
    sent = []

    def guest_adds_after_the_first_transaction(**request):
        sent.append(len(request["TransactItems"]))
        answer = transact(**request)
        if len(sent) == 1:
            add(client, guest, "p49", 5)  # a line of the second transaction changes meanwhile
        return answer

    with monkeypatch.context() as patch:
        patch.setattr(repository._client, "transact_write_items", guest_adds_after_the_first_transaction)
        outcome = merge_guest_cart(repository, owner_of(guest), "alice")

    assert len(outcome.moved) == 50 and outcome.not_moved == []
    mine = quantities(client, alice)
    assert len(mine) == 50 and mine["p49"] == 6 and sum(mine.values()) == 55
    assert guest_quantities(client, guest) == {}


def test_carts_that_never_stop_changing_end_the_merge_in_409(monkeypatch):
    rules = importlib.import_module("cart_service.cart")  # the package's `cart` is the blueprint

    class AlwaysRaced:
        def lines(self, owner: str) -> list[CartLine]:
            return [CartLine(owner, "a", 1, "2030-01-01T00:00:00.000000Z")]

        def move_lines(self, guest: str, user_id: str, moves: list) -> list:
            return []

        def was_merged(self, guest: str) -> bool:
            return False

    monkeypatch.setattr(rules, "_pause_after_lost_race", lambda attempt: None)
    with pytest.raises(CartBusy) as raised:
        merge_guest_cart(AlwaysRaced(), "guest#g", "alice")
    assert raised.value.status == 409


def test_a_merged_guest_token_opens_no_cart_and_a_repeated_merge_moves_nothing(
    client, alice, new_guest, catalogue
):
    guest = new_guest()
    add(client, guest, "a", 2)
    assert merge(client, alice, guest).json["moved"] == [{"product_id": "a", "quantity": 2}]
    refused = [
        client.get("/cart", headers=guest),
        client.post("/cart/items", json={"product_id": "b", "quantity": 1}, headers=guest),
    ]
    for response in refused:
        assert response.status_code == 401 and "moved" in response.json["detail"]
    again = merge(client, alice, guest)
    assert again.status_code == 200 and again.json["moved"] == []
    assert quantities(client, alice) == {"a": 2}
