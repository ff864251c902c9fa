"""The cart rules called directly: TTL, expired lines, and writes that race each other."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cart_service.cart import (
    BoughtItem,
    CartBusy,
    CartFull,
    CartLine,
    LineNotFound,
    ProductSummary,
    add_to_cart,
    remove_bought,
    remove_line,
    set_quantity,
    timestamp,
    view_cart,
)
from cart_service.repository import LINE_TTL_SECONDS
from dynamo_common import metered

HEADER = "#cart"


class Catalogue:
    """Every product exists unless named in `missing`; counts its calls."""

    def __init__(self, missing: Sequence[str] = ()):
        self.missing = set(missing)
        self.calls = 0

    def _summary(self, product_id: str) -> ProductSummary:
        return ProductSummary(product_id, f"Product {product_id}", Decimal("1.25"), 10)

    def find(self, product_id: str) -> ProductSummary | None:
        self.calls += 1
        return None if product_id in self.missing else self._summary(product_id)

    def find_many(self, product_ids: Sequence[str]) -> dict[str, ProductSummary]:
        self.calls += 1
        return {pid: self._summary(pid) for pid in product_ids if pid not in self.missing}


@pytest.fixture
def catalogue() -> Catalogue:
    return Catalogue()


def test_every_write_sets_expiry_30_days_ahead_on_line_and_header(repository, catalogue, stored, set_expiry):
    before = int(time.time())
    add_to_cart(repository, catalogue, "u", "a", 1)
    add_to_cart(repository, catalogue, "u", "b", 1)
    after = int(time.time())
    for product_id in ("a", "b", HEADER):
        assert before + LINE_TTL_SECONDS <= stored("u", product_id)["ExpiresAt"] <= after + LINE_TTL_SECONDS

    soon = int(time.time()) + 60
    for product_id in ("a", "b", HEADER):
        set_expiry("u", product_id, soon)
    set_quantity(repository, catalogue, "u", "a", 4)
    assert stored("u", "a")["ExpiresAt"] >= before + LINE_TTL_SECONDS
    assert stored("u", HEADER)["ExpiresAt"] >= before + LINE_TTL_SECONDS
    assert stored("u", "b")["ExpiresAt"] == soon

    set_expiry("u", HEADER, soon)
    remove_line(repository, "u", "b")
    assert stored("u", HEADER)["ExpiresAt"] >= before + LINE_TTL_SECONDS


def test_checkout_decrement_refreshes_expiry(repository, catalogue, stored, set_expiry):
    add_to_cart(repository, catalogue, "u", "a", 5)
    read_at = datetime.now(UTC)
    soon = int(time.time()) + 60
    set_expiry("u", "a", soon)
    remove_bought(repository, "u", "o1", read_at, [BoughtItem("a", 2)])
    assert stored("u", "a")["Quantity"] == 3
    assert stored("u", "a")["ExpiresAt"] > soon


def test_an_expired_line_is_gone_even_before_ttl_deletes_it(repository, catalogue, stored, set_expiry):
    first = add_to_cart(repository, catalogue, "u", "a", 7)
    set_expiry("u", "a", int(time.time()) - 1)
    assert view_cart(repository, catalogue, "u").items == []
    assert repository.line("u", "a") is None
    with pytest.raises(LineNotFound):
        remove_line(repository, "u", "a")
    again = add_to_cart(repository, catalogue, "u", "a", 2)
    assert again.quantity == 2
    assert again.added_at > first.added_at
    assert stored("u", "a")["Quantity"] == 2


def test_expired_lines_free_their_places_in_a_full_cart(repository, catalogue, stored, set_expiry):
    for number in range(50):
        add_to_cart(repository, catalogue, "u", f"p{number:02d}", 1)
    with pytest.raises(CartFull):
        add_to_cart(repository, catalogue, "u", "late", 1)
    set_expiry("u", "p07", int(time.time()) - 1)
    set_expiry("u", "p08", int(time.time()) - 1)
    add_to_cart(repository, catalogue, "u", "late", 1)
    listed = stored("u", HEADER)["LineProductIDs"]
    assert "late" in listed and not {"p07", "p08"} & listed
    assert len(listed) == 49
    assert len(repository.lines("u")) == 49


def test_a_new_line_racing_for_the_last_place_is_refused(repository, catalogue, monkeypatch, stored):
    for number in range(49):
        add_to_cart(repository, catalogue, "u", f"p{number:02d}", 1)
    save_or_find = repository.save_or_find

    def a_concurrent_add_then_save(line: CartLine, expected: CartLine | None) -> tuple[bool, CartLine | None]:
        if line.product_id == "mine":
            # Another request takes the 50th place after this one has decided to write its line.
            assert repository.save(CartLine("u", "theirs", 1, timestamp(datetime.now(UTC))), expected=None)
        return save_or_find(line, expected)

    monkeypatch.setattr(repository, "save_or_find", a_concurrent_add_then_save)
    with pytest.raises(CartFull):
        add_to_cart(repository, catalogue, "u", "mine", 1)
    assert len(repository.lines("u")) == 50
    assert len(stored("u", HEADER)["LineProductIDs"]) == 50
    assert stored("u", "mine") is None


def test_concurrent_adds_to_one_line_are_both_kept(repository, catalogue, monkeypatch):
    add_to_cart(repository, catalogue, "u", "a", 1)
    save_or_find = repository.save_or_find
    raced = []

    def a_concurrent_add_then_save(line: CartLine, expected: CartLine | None) -> tuple[bool, CartLine | None]:
        if expected is not None and not raced:
            raced.append(True)
            # Another request adds 3 after this one has seen the line.
            assert repository.save(CartLine("u", "a", expected.quantity + 3, expected.added_at), expected)
        return save_or_find(line, expected)

    monkeypatch.setattr(repository, "save_or_find", a_concurrent_add_then_save)
    assert add_to_cart(repository, catalogue, "u", "a", 2).quantity == 6
    assert [line.quantity for line in repository.lines("u")] == [6]


def test_checkout_racing_an_add_takes_only_what_was_bought(repository, catalogue, monkeypatch):
    add_to_cart(repository, catalogue, "u", "a", 2)
    read_at = datetime.now(UTC)
    read_lines = repository.lines
    raced = []

    def lines_then_a_concurrent_add(user_id: str) -> list[CartLine]:
        seen = read_lines(user_id)
        if not raced:
            raced.append(True)
            line = seen[0]
            assert repository.save(CartLine("u", "a", 3, line.added_at), expected=line)
        return seen

    monkeypatch.setattr(repository, "lines", lines_then_a_concurrent_add)
    outcome = remove_bought(repository, "u", "o1", read_at, [BoughtItem("a", 2)])
    assert outcome.removed == [BoughtItem("a", 2)]
    assert [(line.product_id, line.quantity) for line in read_lines("u")] == [("a", 1)]


def test_a_cart_that_never_stops_changing_ends_in_409(catalogue):
    class AlwaysChanged:
        def line(self, user_id: str, product_id: str) -> None:
            return None

        def save_or_find(self, line: CartLine, expected: CartLine | None) -> tuple[bool, None]:
            return False, None

        def remove(self, user_id: str, product_id: str) -> bool:
            return False

    with pytest.raises(CartBusy) as raised:
        add_to_cart(AlwaysChanged(), catalogue, "u", "a", 1)
    assert raised.value.status == 409
    with pytest.raises(CartBusy):
        remove_line(AlwaysChanged(), "u", "a")


def test_the_view_charges_exactly_and_asks_the_catalogue_once(repository):
    catalogue = Catalogue(missing=["gone"])
    for product_id, quantity in (("a", 3), ("b", 1), ("gone", 1)):
        add_to_cart(repository, Catalogue(), "u", product_id, quantity)
    view = view_cart(repository, catalogue, "u")
    assert catalogue.calls == 1
    assert view.subtotal == Decimal("5.00")
    assert [entry.available for entry in view.items] == [True, True, False]


def test_adding_a_product_the_cart_lacks_is_one_write_and_adding_more_is_two(repository, catalogue):
    with metered() as first:
        added = add_to_cart(repository, catalogue, "u", "a", 2)
    assert first.calls == 1
    with metered() as more:
        again = add_to_cart(repository, catalogue, "u", "a", 3)
    # The write taking the line to be new is refused and shows the line, which is then added to.
    assert more.calls == 2
    assert (again.quantity, again.added_at) == (5, added.added_at)
    assert [(line.product_id, line.quantity) for line in repository.lines("u")] == [("a", 5)]
