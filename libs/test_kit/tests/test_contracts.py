"""Matching a provider's answer against a consumer's example, and the stand-in client."""

from __future__ import annotations

import json

import pytest

from test_kit.contracts import Contract, ContractClient, mismatches

EXPECTED = {"status": "RESERVED", "items": [{"product_id": "tea", "unit_price": "4.50", "quantity": 2}]}


def test_an_answer_with_more_than_the_consumer_reads_matches():
    actual = {**EXPECTED, "total_price": "9.00", "items": [{**EXPECTED["items"][0], "name": "Tea"}]}
    assert mismatches(EXPECTED, actual) == []


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ({"items": EXPECTED["items"]}, ["status is missing"]),
        ({**EXPECTED, "status": "HELD"}, ["status is 'HELD', expected 'RESERVED'"]),
        (
            {**EXPECTED, "items": [{"product_id": "tea", "price": "4.50", "quantity": 2}]},
            ["items[0].unit_price is missing"],
        ),
        (
            {**EXPECTED, "items": [{**EXPECTED["items"][0], "quantity": "2"}]},
            ["items[0].quantity is '2', expected 2"],
        ),
        ({**EXPECTED, "items": []}, ["items has 0 items, expected 1"]),
        ({**EXPECTED, "items": {"tea": 2}}, ["items is an object, expected a list"]),
        (["RESERVED"], ["the body is a list, expected an object"]),
        (None, ["the body is null, expected an object"]),
    ],
)
def test_each_shortfall_is_named(actual, expected):
    assert mismatches(EXPECTED, actual) == expected


def test_any_value_fields_match_by_type_alone():
    expected = {"read_at": "2026-01-01T00:00:00+00:00", "items": [{"added_at": "x", "quantity": 1}]}
    loose = ("read_at", "items[].added_at")
    assert (
        mismatches(expected, {"read_at": "2030-05-05", "items": [{"added_at": "y", "quantity": 1}]}, loose)
        == []
    )
    assert mismatches(expected, {"read_at": 1, "items": [{"added_at": "y", "quantity": 1}]}, loose) == [
        "read_at is a number, expected a string"
    ]


@pytest.fixture
def contract(tmp_path) -> Contract:
    path = tmp_path / "products.json"
    path.write_text(
        json.dumps(
            {
                "consumer": "orders",
                "provider": "products",
                "interactions": [
                    {
                        "description": "read",
                        "request": {"method": "GET", "path": "/internal/v1/x/1", "internal": True},
                        "response": {"status": 200, "body": {"status": "OK"}},
                    },
                    {
                        "description": "list",
                        "request": {"method": "GET", "path": "/x", "query": {"ids": "a,b"}},
                        "response": {"status": 200, "body": {"items": []}},
                    },
                ],
            }
        )
    )
    return Contract.load(path)


def test_the_stand_in_client_answers_only_the_requests_of_the_contract(contract):
    client = ContractClient(contract)
    assert client.call("GET", "/internal/v1/x/1", internal=True).body == {"status": "OK"}
    assert client.call("GET", "/x", params={"ids": "a,b"}).status == 200
    assert client.answered == ["read", "list"]
    with pytest.raises(AssertionError, match="does not have"):
        client.call("GET", "/internal/v1/x/1")  # without the service credential
    with pytest.raises(AssertionError, match="does not have"):
        client.call("GET", "/x", params={"ids": "a"})


def test_a_contract_names_itself_by_consumer_and_file(contract):
    assert (
        contract.title
        == "the orders service's contract with products (services/orders/contracts/products.json)"
    )
    with pytest.raises(KeyError):
        contract.interaction("nothing")
