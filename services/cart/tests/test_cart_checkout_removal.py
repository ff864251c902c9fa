"""What a checkout takes from the cart it holds: one transaction when every line goes whole, and
the same outcome as a read-then-write removal in every other case."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cart_service.cart import BoughtItem, CartLine, claim_for_checkout, remove_bought, timestamp
from dynamo_common import metered

HEADER = "#cart"


@pytest.fixture
def fill(repository):
    """Set quantities in user u's cart: {product id: quantity}; a line keeps its first add."""

    def put(**quantities: int) -> None:
        for product_id, quantity in quantities.items():
            seen = repository.line("u", product_id)
            added_at = seen.added_at if seen else timestamp(datetime.now(UTC))
            assert repository.save(CartLine("u", product_id, quantity, added_at), expected=seen)

    return put


def held_for(repository, order_id: str) -> datetime:
    """Claim u's cart for `order_id` as the checkout does; the moment its lines were read."""
    return datetime.fromisoformat(claim_for_checkout(repository, "u", order_id, "v1.seen", None).read_at)


def quantities(repository) -> dict[str, int]:
    return {line.product_id: line.quantity for line in repository.lines("u")}


def test_a_cart_bought_whole_is_cleared_and_its_hold_marked_done_in_one_call(repository, fill, stored):
    fill(a=2, b=1)
    read_at = held_for(repository, "o1")
    with metered() as meter:
        outcome = remove_bought(repository, "u", "o1", read_at, [BoughtItem("a", 2), BoughtItem("b", 1)])
    assert meter.calls == 1
    assert outcome.removed == [BoughtItem("a", 2), BoughtItem("b", 1)] and outcome.kept == []
    assert quantities(repository) == {}
    header = stored("u", HEADER)
    assert "LineProductIDs" not in header
    assert header["CheckoutClaim"] == "o1" and header["CheckoutClaimFinished"] is True


def test_lines_to_keep_or_take_from_are_read_and_handled_as_before(repository, fill, stored):
    fill(taken=5, whole=1)
    read_at = held_for(repository, "o1")
    fill(later=1)
    bought = [BoughtItem("taken", 2), BoughtItem("whole", 1), BoughtItem("later", 1)]
    outcome = remove_bought(repository, "u", "o1", read_at, bought)
    assert outcome.removed == [BoughtItem("taken", 2), BoughtItem("whole", 1)]
    assert outcome.kept == [BoughtItem("later", 1)]
    assert quantities(repository) == {"taken": 3, "later": 1}
    assert stored("u", HEADER)["CheckoutClaimFinished"] is True


def test_a_line_added_again_after_the_read_stays_though_it_matches_what_was_bought(repository, fill):
    fill(a=1, b=1)
    read_at = held_for(repository, "o1")
    repository.remove("u", "b")
    fill(b=1)  # removed and added again in another tab: a newer line, not the one bought
    outcome = remove_bought(repository, "u", "o1", read_at, [BoughtItem("a", 1), BoughtItem("b", 1)])
    assert outcome.kept == [BoughtItem("b", 1)]
    assert quantities(repository) == {"b": 1}


@pytest.mark.parametrize(
    ("held", "bought", "added_later", "left"),
    [
        # One left, two bought: a delete without the order's mark on the line would take it too.
        (3, 2, {}, {"a": 1}),
        # The line went whole, and the product is not in the cart again: a line gone is removed.
        (1, 1, {"b": 1}, {"b": 1}),
    ],
)
def test_a_repeat_takes_nothing_more(repository, fill, held, bought, added_later, left):
    fill(a=held)
    read_at = held_for(repository, "o1")
    remove_bought(repository, "u", "o1", read_at, [BoughtItem("a", bought)])
    fill(**added_later)
    again = remove_bought(repository, "u", "o1", read_at, [BoughtItem("a", bought)])
    assert again.removed == [BoughtItem("a", bought)]
    assert quantities(repository) == left


def test_a_line_raised_after_the_read_keeps_what_was_not_bought(repository, fill):
    fill(a=2)
    read_at = held_for(repository, "o1")
    fill(a=3)  # the shopper adds one more in another tab, after the checkout's read
    remove_bought(repository, "u", "o1", read_at, [BoughtItem("a", 2)])
    assert quantities(repository) == {"a": 1}


def test_the_hold_of_another_order_is_left_alone(repository, fill, stored):
    fill(a=1)
    read_at = held_for(repository, "o1")
    repository.claim("u", "o2", "v1.other", "o1")  # o1 was known to be gone
    outcome = remove_bought(repository, "u", "o1", read_at, [BoughtItem("a", 1)])
    assert outcome.removed == [BoughtItem("a", 1)]
    assert quantities(repository) == {}
    header = stored("u", HEADER)
    assert header["CheckoutClaim"] == "o2" and "CheckoutClaimFinished" not in header


def test_one_product_twice_is_refused_by_the_api_and_summed_by_the_rule(client, service, repository, fill):
    """Two entries for one product once made a transaction touch one item twice, which DynamoDB
    refuses: a 5xx. The API refuses the request (422); the rule itself, called directly, buys
    their sum."""
    body = {
        "order_id": "o1",
        "read_at": "2026-01-01T00:00:00Z",
        "items": [{"product_id": "a", "quantity": 1}, {"product_id": "a", "quantity": 1}],
    }
    response = client.post("/internal/v1/carts/u/checkout-removals", json=body, headers=service)
    assert response.status_code == 422 and "items" in response.json["errors"]["json"]

    fill(a=3, b=1)
    read_at = held_for(repository, "o1")
    outcome = remove_bought(
        repository, "u", "o1", read_at, [BoughtItem("a", 1), BoughtItem("b", 1), BoughtItem("a", 1)]
    )
    assert outcome.removed == [BoughtItem("a", 2), BoughtItem("b", 1)] and outcome.kept == []
    assert quantities(repository) == {"a": 1}
