"""The cart's writes without a read first, on the official DynamoDB Local, whose condition
expressions and cancellation reasons decide them: the one-transaction checkout removal (lines
with no order's mark, timestamps compared as strings, a line already taken from by the order
that its repeat must never delete) and the add that takes its line to be new."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cart_service import table as attr
from cart_service.cart import (
    BoughtItem,
    CartLine,
    ProductSummary,
    add_to_cart,
    claim_for_checkout,
    remove_bought,
    timestamp,
)
from cart_service.repository import CART_HEADER, CartRepository
from dynamo_common import from_item, metered, to_item


@pytest.fixture
def repository(dynamo_client, dynamo_settings) -> CartRepository:
    return CartRepository(dynamo_client, dynamo_settings.table_name(attr.TABLE_SPEC))


@pytest.fixture
def user_id() -> str:
    return f"removal-{uuid.uuid4().hex[:12]}"


def fill(repository: CartRepository, user_id: str, **quantities: int) -> None:
    for product_id, quantity in quantities.items():
        line = CartLine(user_id, product_id, quantity, timestamp(datetime.now(UTC)))
        assert repository.save(line, expected=None)


def quantities(repository: CartRepository, user_id: str) -> dict[str, int]:
    return {line.product_id: line.quantity for line in repository.lines(user_id)}


def test_a_cart_bought_whole_goes_in_one_call_and_its_hold_is_marked_done(repository, user_id, dynamo_client):
    fill(repository, user_id, a=2, b=1)
    read_at = datetime.fromisoformat(claim_for_checkout(repository, user_id, "o1", "v1.seen", None).read_at)
    fill(repository, user_id, later=1)
    bought = [BoughtItem("a", 2), BoughtItem("b", 1)]
    with metered() as meter:
        outcome = remove_bought(repository, user_id, "o1", read_at, bought)
    assert meter.calls == 1
    assert outcome.removed == bought
    assert quantities(repository, user_id) == {"later": 1}
    header = dynamo_client.get_item(
        TableName=repository.table_name, Key=to_item({attr.USER_ID: user_id, attr.PRODUCT_ID: CART_HEADER})
    )["Item"]
    assert from_item(header)[attr.CHECKOUT_CLAIM_FINISHED] is True


def test_a_line_added_after_the_read_or_taken_from_before_is_not_deleted(repository, user_id):
    fill(repository, user_id, taken=3)
    read_at = datetime.fromisoformat(claim_for_checkout(repository, user_id, "o1", "v1.seen", None).read_at)
    fill(repository, user_id, later=1)
    bought = [BoughtItem("taken", 2), BoughtItem("later", 1)]
    first = remove_bought(repository, user_id, "o1", read_at, bought)
    assert first.kept == [BoughtItem("later", 1)]
    assert quantities(repository, user_id) == {"taken": 1, "later": 1}
    # One left and two bought: only the order's mark on the line stops a repeat from deleting it.
    again = remove_bought(repository, user_id, "o1", read_at, [BoughtItem("taken", 2)])
    assert again.removed == [BoughtItem("taken", 2)]
    assert quantities(repository, user_id) == {"taken": 1, "later": 1}


class OneProduct:
    """The catalogue as the cart sees it: every product exists at one price."""

    def find(self, product_id: str) -> ProductSummary:
        return ProductSummary(product_id, product_id, Decimal("2.50"), 10)


def test_an_add_writes_a_new_line_in_one_call_and_adds_to_the_line_its_refused_write_found(
    repository, user_id
):
    with metered() as first:
        added = add_to_cart(repository, OneProduct(), user_id, "a", 2)
    assert first.calls == 1
    with metered() as more:
        again = add_to_cart(repository, OneProduct(), user_id, "a", 3)
    # The refused write's old image is the line to add to: no read.
    assert more.calls == 2
    assert (again.quantity, again.added_at) == (5, added.added_at)
    assert quantities(repository, user_id) == {"a": 5}
