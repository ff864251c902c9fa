"""A moto-backed DynamoDB client built by the library's own factory, for tests that need a table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from dynamo_common import DynamoSettings, make_client

TABLE_PREFIX = "unit-"


@pytest.fixture
def dynamodb(aws_test_environment: None) -> Iterator[Any]:
    """A client from `make_client` (capacity hooks included) talking to moto; no tables yet."""
    with mock_aws():
        yield make_client(DynamoSettings.from_environment(table_prefix=TABLE_PREFIX))


@pytest.fixture
def prefix() -> str:
    return TABLE_PREFIX
