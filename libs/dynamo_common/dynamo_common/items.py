"""Conversion between plain Python values and DynamoDB's typed attribute values.

Numbers come back as `Decimal`, and floats are refused on the way in: money is never a float.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """A plain mapping as a DynamoDB item; attributes whose value is None are left out."""
    return {name: _serializer.serialize(value) for name, value in values.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as a plain dict, numbers as Decimal."""
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def to_value(value: Any) -> dict[str, Any]:
    """One plain value as a DynamoDB attribute value (for expression values)."""
    return _serializer.serialize(value)


def expression_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """`{":name": value}` as ExpressionAttributeValues."""
    return {placeholder: _serializer.serialize(value) for placeholder, value in values.items()}
