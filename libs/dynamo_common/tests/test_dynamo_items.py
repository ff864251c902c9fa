"""Plain values to typed items and back: numbers as Decimal, never float."""

from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer
from hypothesis import given
from hypothesis import strategies as st

from dynamo_common import expression_values, from_item, to_item, to_value

_numbers = st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**20), max_value=10**20)
_scalars = st.one_of(
    st.text(min_size=1),
    st.integers(min_value=-(10**30), max_value=10**30),
    _numbers,
    st.booleans(),
    st.none(),
    st.binary(min_size=1).map(Binary),
    st.frozensets(st.text(min_size=1), min_size=1).map(set),
    st.frozensets(st.integers(min_value=-(10**30), max_value=10**30), min_size=1).map(set),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1), inner, max_size=4),
    max_leaves=12,
)


def test_round_trip_keeps_decimals_exact():
    values = {
        "ProductID": "p1",
        "Price": Decimal("19.99"),
        "InventoryCount": 5,
        "Tags": {"tea", "kitchen"},
        "ProductList": [{"ProductID": "p2", "UnitPrice": Decimal("0.10")}],
        "Active": True,
    }
    item = to_item(values)
    assert item["Price"] == {"N": "19.99"}
    assert item["Tags"]["SS"] and set(item["Tags"]["SS"]) == {"tea", "kitchen"}
    back = from_item(item)
    assert back == values
    assert isinstance(back["InventoryCount"], Decimal)
    assert back["ProductList"][0]["UnitPrice"] == Decimal("0.10")


def test_none_attributes_are_left_out():
    assert to_item({"ProductID": "p1", "Description": None}) == {"ProductID": {"S": "p1"}}


@pytest.mark.parametrize("value", [19.99, {"nested": 0.5}, [1.0]])
def test_floats_are_refused(value):
    with pytest.raises(TypeError, match="Float"):
        to_item({"Price": value})


def test_expression_values_and_single_values():
    assert expression_values({":price": Decimal("2.50"), ":name": "Teapot"}) == {
        ":price": {"N": "2.50"},
        ":name": {"S": "Teapot"},
    }
    assert to_value(3) == {"N": "3"}
    with pytest.raises(TypeError):
        to_value(1.5)


@given(st.dictionaries(st.text(min_size=1), _values, max_size=6))
def test_items_read_exactly_as_boto3_reads_them(values):
    item = {name: to_value(value) for name, value in values.items()}
    boto3_reading = {name: TypeDeserializer().deserialize(value) for name, value in item.items()}
    assert from_item(item) == boto3_reading
