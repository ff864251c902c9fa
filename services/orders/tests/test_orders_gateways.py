"""orders' HTTP clients of products and cart (gateways.py), run against orders' own contracts.

Each interaction of `contracts/products.json` and `contracts/cart.json` is exercised here: the
gateway must send exactly the contract's request and read its answer into the domain's values. The
providers replay the same files against their real apps, so both sides test one description. An
answer missing a field the contract lists, or with an odd value, must be a 503, never a KeyError.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orders_service.gateways import (
    CartClaimed,
    CartGateway,
    CartSnapshot,
    Reservation,
    ReservationRefused,
    StockGateway,
)
from orders_service.orders import CartLine, OrderLine
from service_kit.http import UnreadableAnswer
from test_kit.contracts import Contract, ContractClient, OneAnswer
from test_kit.logs import collected_logs

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
PRODUCTS = Contract.load(CONTRACTS / "products.json")
CART = Contract.load(CONTRACTS / "cart.json")

TEA_AND_POT = (
    OrderLine("tea", "Tea", Decimal("4.50"), 2),
    OrderLine("pot", "Pot", Decimal("19.99"), 1),
)


def _reserve(stock: StockGateway) -> None:
    reservation = stock.reserve("order-1", [CartLine("tea", 2), CartLine("pot", 1)])
    assert reservation == Reservation("RESERVED", TEA_AND_POT)


def _reserve_short(stock: StockGateway) -> None:
    with pytest.raises(ReservationRefused) as refused:
        stock.reserve("order-2", [CartLine("tea", 3)])
    assert refused.value.problem["short_items"] == [{"product_id": "tea", "requested": 3, "available": 1}]
    assert refused.value.problem["detail"]


def _reserve_at_confirmed_prices(stock: StockGateway) -> None:
    reservation = stock.reserve("order-3", [CartLine("tea", 2)], {"tea": Decimal("4.50")})
    assert reservation == Reservation("RESERVED", (OrderLine("tea", "Tea", Decimal("4.50"), 2),))


def _reserve_at_changed_prices(stock: StockGateway) -> None:
    with pytest.raises(ReservationRefused) as refused:
        stock.reserve(
            "order-4",
            [CartLine("tea", 2), CartLine("pot", 1)],
            {"tea": Decimal("4.20"), "pot": Decimal("19.99")},
        )
    assert refused.value.problem["changed_items"] == [
        {"product_id": "tea", "old_price": "4.20", "new_price": "4.50"}
    ]
    assert refused.value.problem["detail"]


def _find(stock: StockGateway) -> None:
    assert stock.find("order-1") == Reservation("RESERVED", (OrderLine("tea", "Tea", Decimal("4.50"), 2),))


def _find_nothing(stock: StockGateway) -> None:
    assert stock.find("order-none") is None


USES_OF_PRODUCTS: dict[str, Callable[[StockGateway], None]] = {
    "reserve every line at the catalogue's prices": _reserve,
    "a reservation short of stock is refused, naming each short line": _reserve_short,
    "reserve every line at the prices the shopper confirmed": _reserve_at_confirmed_prices,
    "a reservation at a price other than the confirmed one is refused, naming each changed line": (
        _reserve_at_changed_prices
    ),
    "list the orders whose stock has been held too long": (
        lambda stock: _equal(stock.held_too_long(600), ["order-stale"])
    ),
    "read an order's reservation": _find,
    "an order without a reservation": _find_nothing,
    "commit a reservation": lambda stock: _equal(stock.commit("order-1"), "COMMITTED"),
    "release a reservation": lambda stock: _equal(stock.release("order-1"), "RELEASED"),
    "release for an order that reserved nothing fences off a late reservation": (
        lambda stock: _equal(stock.release("order-none"), "RELEASED")
    ),
    "give a cancelled order's stock back": lambda stock: _equal(stock.give_back("order-1"), "RETURNED"),
}


def _read_cart(cart: CartGateway) -> None:
    snapshot = cart.read("alice")
    assert snapshot == CartSnapshot([CartLine("tea", 2)], "2026-01-01T00:00:00.000000+00:00")


def _claim(cart: CartGateway) -> None:
    snapshot = cart.claim("alice", "order-1", "version-1")
    assert snapshot == CartSnapshot([CartLine("tea", 2)], "2026-01-01T00:00:00.000000+00:00")


def _claim_replacing(cart: CartGateway) -> None:
    snapshot = cart.claim("alice", "order-1", "version-1", replacing="order-0")
    assert snapshot == CartSnapshot([CartLine("tea", 2)], "2026-01-01T00:00:00.000000+00:00")


def _claim_held(cart: CartGateway) -> None:
    with pytest.raises(CartClaimed) as claimed:
        cart.claim("alice", "order-2", "version-2")
    assert claimed.value.holder == "order-0"


def _remove_bought(cart: CartGateway) -> None:
    cart.remove_bought("alice", "order-1", "2099-01-01T00:00:00+00:00", [CartLine("tea", 2)])


USES_OF_CART: dict[str, Callable[[CartGateway], None]] = {
    "read a user's cart for checkout": _read_cart,
    "hold a user's cart for an order's checkout and read it": _claim,
    "take over the hold of an order known to be failed or gone": _claim_replacing,
    "a cart another order's checkout holds is refused, naming that order": _claim_held,
    "end an order's hold on the cart": lambda cart: cart.release_claim("alice", "order-1"),
    "remove exactly what an order bought": _remove_bought,
}


def _equal(actual: Any, expected: Any) -> None:
    assert actual == expected


def test_every_interaction_orders_states_is_exercised_here():
    assert set(USES_OF_PRODUCTS) == {interaction.description for interaction in PRODUCTS.interactions}
    assert set(USES_OF_CART) == {interaction.description for interaction in CART.interactions}


@pytest.mark.parametrize("description", sorted(USES_OF_PRODUCTS))
def test_the_stock_gateway_sends_and_reads_what_the_contract_with_products_says(description):
    client = ContractClient(PRODUCTS)
    USES_OF_PRODUCTS[description](StockGateway(client))
    assert client.answered == [description]


@pytest.mark.parametrize("description", sorted(USES_OF_CART))
def test_the_cart_gateway_sends_and_reads_what_the_contract_with_cart_says(description):
    client = ContractClient(CART)
    USES_OF_CART[description](CartGateway(client))
    assert client.answered == [description]


def _paths(body: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every field in `body`, e.g. ("items", 0, "unit_price")."""
    if isinstance(body, dict):
        return [
            path for key, value in body.items() for path in [(*prefix, key), *_paths(value, (*prefix, key))]
        ]
    if isinstance(body, list):
        return [path for index, value in enumerate(body) for path in _paths(value, (*prefix, index))]
    return []


def _without(body: Any, path: tuple[Any, ...]) -> Any:
    changed = copy.deepcopy(body)
    *parents, last = path
    target = changed
    for key in parents:
        target = target[key]
    del target[last]
    return changed


def _replaced(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(body)
    *parents, last = path
    target = changed
    for key in parents:
        target = target[key]
    target[last] = value
    return changed


RESERVED = PRODUCTS.interaction("reserve every line at the catalogue's prices").response
CART_READ = CART.interaction("read a user's cart for checkout").response


@pytest.mark.parametrize("path", _paths(RESERVED["body"]), ids=str)
def test_a_reservation_without_any_field_orders_reads_is_a_503(path):
    stock = StockGateway(OneAnswer(RESERVED["status"], _without(RESERVED["body"], path)))
    with collected_logs("shopsmart.http") as logged, pytest.raises(UnreadableAnswer) as raised:
        stock.reserve("order-1", [CartLine("tea", 2), CartLine("pot", 1)])
    assert raised.value.status == 503 and "products" in raised.value.detail
    assert logged.messages() == ["unreadable answer"]


@pytest.mark.parametrize(
    ("path", "odd"),
    [
        (("items", 0, "unit_price"), 4.5),
        (("items", 0, "unit_price"), "four fifty"),
        (("items", 0, "unit_price"), "NaN"),
        (("items", 0, "unit_price"), "-1.00"),
        (("items", 0, "quantity"), "2"),
        (("items", 0, "quantity"), True),
        (("items", 0, "name"), None),
        (("items",), {"tea": 2}),
        (("status",), 1),
    ],
    ids=str,
)
def test_a_reservation_with_an_odd_value_is_a_503(path, odd):
    stock = StockGateway(OneAnswer(RESERVED["status"], _replaced(RESERVED["body"], path, odd)))
    with pytest.raises(UnreadableAnswer):
        stock.reserve("order-1", [CartLine("tea", 2)])


def test_fields_orders_does_not_read_are_ignored():
    body = _replaced(RESERVED["body"], ("items", 0, "discount"), "0.50")
    body["total_price"], body["warehouse"] = "28.99", {"id": 7}
    stock = StockGateway(OneAnswer(200, body))
    assert stock.find("order-1") == Reservation("RESERVED", TEA_AND_POT)


@pytest.mark.parametrize("path", _paths(CART_READ["body"]), ids=str)
def test_a_cart_read_without_any_field_orders_reads_is_a_503(path):
    cart = CartGateway(OneAnswer(200, _without(CART_READ["body"], path)))
    with pytest.raises(UnreadableAnswer):
        cart.read("alice")


@pytest.mark.parametrize(
    ("body", "readable"),
    [
        (None, {}),
        ([], {}),
        ("oops", {}),
        ({"detail": 7}, {}),
        ({"detail": "x", "short_items": [{}]}, {"detail": "x"}),
        (
            {"detail": "x", "changed_items": [{"product_id": "tea", "old_price": "4.20", "new_price": 4.5}]},
            {"detail": "x"},
        ),
        (
            {
                "detail": "x",
                "changed_items": [{"product_id": "tea", "old_price": "-1.00", "new_price": "4.50"}],
            },
            {"detail": "x"},
        ),
    ],
    ids=str,
)
def test_an_unreadable_refusal_is_still_a_refusal(body, readable):
    """Products refused: nothing was reserved, however its body reads, so the checkout must be able
    to end the order FAILED; the parts it cannot read are left out and logged."""
    stock = StockGateway(OneAnswer(409, body))
    with collected_logs("shopsmart.http") as logged, pytest.raises(ReservationRefused) as refused:
        stock.reserve("order-2", [CartLine("tea", 3)])
    assert refused.value.problem == {"detail": "The stock could not be reserved.", **readable}
    assert refused.value.status == 409
    assert logged.messages() == (["unreadable answer"] if len(readable) else [])


def test_an_unreadable_transition_answer_is_a_503():
    with pytest.raises(UnreadableAnswer):
        StockGateway(OneAnswer(200, {"state": "COMMITTED"})).commit("order-1")


@pytest.mark.parametrize("body", [None, {}, {"order_ids": "order-stale"}, {"order_ids": [7]}], ids=str)
def test_an_unreadable_list_of_held_reservations_is_a_503(body):
    with pytest.raises(UnreadableAnswer):
        StockGateway(OneAnswer(200, body)).held_too_long(600)


@pytest.mark.parametrize("holder", [7, ["order-0"], {"id": "order-0"}], ids=str)
def test_a_refused_claim_naming_an_odd_holder_is_a_503(holder):
    cart = CartGateway(OneAnswer(409, {"holding_order_id": holder}))
    with pytest.raises(UnreadableAnswer):
        cart.claim("alice", "order-2", "version-2")
