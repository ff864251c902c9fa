"""Consumed capacity of the current request, captured from every DynamoDB call it makes.

A botocore hook asks each call for its consumed capacity and adds it to a per-context meter, so
repositories stay free of metrics code and concurrent requests never share a counter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

_OPERATIONS_REPORTING_CAPACITY = (
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
)


@dataclass(frozen=True)
class CallCost:
    """One DynamoDB call of a unit of work: its operation, the tables it touched and its units."""

    operation: str
    tables: tuple[str, ...]
    read_units: Decimal
    write_units: Decimal


@dataclass
class CapacityMeter:
    """Capacity units and call count accumulated by the DynamoDB calls of one unit of work, and
    each call's own units in order (the cost model itemises a purchase from them)."""

    read_units: Decimal = Decimal(0)
    write_units: Decimal = Decimal(0)
    calls: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)
    call_costs: list[CallCost] = field(default_factory=list)

    def record(self, operation: str, consumed: Any) -> None:
        self.calls += 1
        self.by_operation[operation] = self.by_operation.get(operation, 0) + 1
        entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
        read_before, write_before = self.read_units, self.write_units
        for entry in entries:
            read = entry.get("ReadCapacityUnits")
            write = entry.get("WriteCapacityUnits")
            if read is None and write is None:
                # Tables billed on demand may report only the total; reads cannot be told apart.
                read = entry.get("CapacityUnits", 0) if operation in _READS else 0
                write = 0 if operation in _READS else entry.get("CapacityUnits", 0)
            self.read_units += Decimal(str(read or 0))
            self.write_units += Decimal(str(write or 0))
        tables = tuple(entry["TableName"] for entry in entries if entry.get("TableName"))
        self.call_costs.append(
            CallCost(operation, tables, self.read_units - read_before, self.write_units - write_before)
        )

    @property
    def total_units(self) -> Decimal:
        return self.read_units + self.write_units


_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
_current_meter: ContextVar[CapacityMeter | None] = ContextVar("dynamo_capacity", default=None)


def start_metering() -> tuple[CapacityMeter, Token[CapacityMeter | None]]:
    """Begin collecting in this context; hand the token to `stop_metering` when done."""
    meter = CapacityMeter()
    return meter, _current_meter.set(meter)


def stop_metering(token: Token[CapacityMeter | None]) -> None:
    _current_meter.reset(token)


@contextmanager
def metered() -> Iterator[CapacityMeter]:
    """Collect the capacity consumed by DynamoDB calls made inside the block."""
    meter, token = start_metering()
    try:
        yield meter
    finally:
        stop_metering(token)


def install_capacity_hooks(client: Any) -> Any:
    """Make `client` report consumed capacity into the active meter; returns the client."""
    events = client.meta.events
    for operation in _OPERATIONS_REPORTING_CAPACITY:
        events.register(f"provide-client-params.dynamodb.{operation}", _ask_for_capacity)
        events.register(f"after-call.dynamodb.{operation}", _record_capacity)
    return client


def _ask_for_capacity(params: dict[str, Any], **_: Any) -> None:
    params.setdefault("ReturnConsumedCapacity", "TOTAL")


def _record_capacity(parsed: dict[str, Any], model: Any, **_: Any) -> None:
    meter = _current_meter.get()
    if meter is not None:
        meter.record(model.name, parsed.get("ConsumedCapacity"))
