"""cart's HTTP client of products (catalogue.py), run against cart's own contract with products.

Each interaction of `contracts/products.json` is exercised here: the catalogue must send exactly the
contract's request and read its answer into product summaries. products replays the same file against
its real app. An answer missing a field the contract lists is a 503, never a KeyError.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cart_service.cart import ProductSummary
from cart_service.catalogue import ProductCatalogue
from service_kit.problems import ServiceUnavailable
from test_kit.contracts import Contract, ContractClient, OneAnswer

PRODUCTS = Contract.load(Path(__file__).resolve().parents[1] / "contracts" / "products.json")
TEA = ProductSummary("tea", "Tea", Decimal("4.50"), 10, None)
POT = ProductSummary("pot", "Pot", Decimal("19.99"), 2, None)


def _equal(actual: Any, expected: Any) -> None:
    assert actual == expected


USES_OF_PRODUCTS: dict[str, Callable[[ProductCatalogue], None]] = {
    "look several products up by id": lambda catalogue: _equal(
        catalogue.find_many(["tea", "pot"]), {"tea": TEA, "pot": POT}
    ),
    "ids of products that do not exist are left out": lambda catalogue: _equal(
        catalogue.find_many(["tea", "gone"]), {"tea": TEA}
    ),
    "look one product up": lambda catalogue: _equal(catalogue.find("tea"), TEA),
    "a product that does not exist": lambda catalogue: _equal(catalogue.find("gone"), None),
}


def test_every_interaction_cart_states_is_exercised_here():
    assert set(USES_OF_PRODUCTS) == {interaction.description for interaction in PRODUCTS.interactions}


@pytest.mark.parametrize("description", sorted(USES_OF_PRODUCTS))
def test_the_catalogue_sends_and_reads_what_the_contract_with_products_says(description):
    client = ContractClient(PRODUCTS)
    USES_OF_PRODUCTS[description](ProductCatalogue(client))
    assert client.answered == [description]


LISTED = PRODUCTS.interaction("look several products up by id").response["body"]


@pytest.mark.parametrize("field", sorted(LISTED["items"][0]))
def test_a_listed_product_without_a_field_cart_reads_is_a_503(field):
    body = copy.deepcopy(LISTED)
    del body["items"][0][field]
    with pytest.raises(ServiceUnavailable):
        ProductCatalogue(OneAnswer(200, body)).find_many(["tea", "pot"])


def test_fields_cart_does_not_read_are_ignored():
    body = copy.deepcopy(LISTED)
    body["items"][0]["warehouse"] = {"aisle": 4}
    body["facets"] = []
    assert ProductCatalogue(OneAnswer(200, body)).find_many(["tea", "pot"]) == {"tea": TEA, "pot": POT}
