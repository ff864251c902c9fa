"""How a table is described (keys, indexes, TTL) and idempotent creation of tables so described.

Each service owns its table's spec (`<service package>.table.TABLE_SPEC`); this module is only
the machinery they share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError


@dataclass(frozen=True)
class KeySchema:
    """A partition key and an optional sort key, each as (attribute name, DynamoDB type)."""

    partition: tuple[str, str]
    sort: tuple[str, str] | None = None

    def as_dynamodb(self) -> list[dict[str, str]]:
        elements = [{"AttributeName": self.partition[0], "KeyType": "HASH"}]
        if self.sort:
            elements.append({"AttributeName": self.sort[0], "KeyType": "RANGE"})
        return elements

    def attributes(self) -> dict[str, str]:
        return dict([self.partition, *([self.sort] if self.sort else [])])


@dataclass(frozen=True)
class GlobalIndexSpec:
    """A global secondary index: its key and what it projects (`ALL`, `KEYS_ONLY`, or `INCLUDE`
    with `non_key_attributes`).

    An update writes an index entry only when it changes the index's keys or a projected
    attribute, so a narrow projection is cheaper to keep; DynamoDB cannot change an existing
    index's projection, which takes a new index (a new name).
    """

    name: str
    key: KeySchema
    projection: str = "ALL"
    non_key_attributes: tuple[str, ...] = ()

    def as_dynamodb_projection(self) -> dict[str, Any]:
        projection: dict[str, Any] = {"ProjectionType": self.projection}
        if self.non_key_attributes:
            projection["NonKeyAttributes"] = list(self.non_key_attributes)
        return projection


@dataclass(frozen=True)
class TableSpec:
    """Keys, indexes and TTL of one table; the logical name is prefixed per environment."""

    logical_name: str
    key: KeySchema
    indexes: tuple[GlobalIndexSpec, ...] = ()
    ttl_attribute: str | None = None
    description: str = ""

    def table_name(self, prefix: str) -> str:
        return f"{prefix}{self.logical_name}"

    def attribute_definitions(self) -> dict[str, str]:
        """Every attribute used by a key of the table or of one of its indexes, with its type."""
        definitions = self.key.attributes()
        for index in self.indexes:
            definitions.update(index.key.attributes())
        return definitions

    def create_table_request(self, prefix: str) -> dict[str, Any]:
        request: dict[str, Any] = {
            "TableName": self.table_name(prefix),
            "KeySchema": self.key.as_dynamodb(),
            "AttributeDefinitions": [
                {"AttributeName": name, "AttributeType": kind}
                for name, kind in sorted(self.attribute_definitions().items())
            ],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if self.indexes:
            request["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": index.key.as_dynamodb(),
                    "Projection": index.as_dynamodb_projection(),
                }
                for index in self.indexes
            ]
        return request


def create_tables(client: Any, prefix: str, specs: Sequence[TableSpec]) -> list[str]:
    """Create every missing table, wait until all are active, and return the names created.

    Safe to call again and concurrently: an existing table is left as it is.
    """
    created = []
    for spec in specs:
        try:
            client.create_table(**spec.create_table_request(prefix))
            created.append(spec.table_name(prefix))
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceInUseException":
                raise
    for spec in specs:
        client.get_waiter("table_exists").wait(
            TableName=spec.table_name(prefix), WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        if spec.ttl_attribute and spec.table_name(prefix) in created:
            client.update_time_to_live(
                TableName=spec.table_name(prefix),
                TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
            )
    return created
