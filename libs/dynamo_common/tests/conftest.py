"""A moto-backed DynamoDB client built by the library's own factory, for tests that need a table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from dynamo_common import DynamoSettings, KeySchema, TableSpec, create_tables, make_client

TABLE_PREFIX = "unit-"
# A table shaped like the catalogue, for tests of the machinery on real (moto) calls.
STOCK = TableSpec(logical_name="stock", key=KeySchema(partition=("ProductID", "S")))


@pytest.fixture
def dynamodb(aws_test_environment: None) -> Iterator[Any]:
    """A client from `make_client` (capacity hooks included) talking to moto; no tables yet."""
    with mock_aws():
        yield make_client(DynamoSettings.from_environment(table_prefix=TABLE_PREFIX))


@pytest.fixture
def prefix() -> str:
    return TABLE_PREFIX


@pytest.fixture
def table(dynamodb: Any, prefix: str) -> str:
    """The name of a fresh moto table keyed by `ProductID`."""
    create_tables(dynamodb, prefix, (STOCK,))
    return STOCK.table_name(prefix)
