"""After the load: no product oversold, every unit of stock accounted for, each order paired with
exactly the reservation its state calls for, and no stock held for an order that is not pending.
A hot product split over stock shards is checked in total and shard by shard: no shard below
zero, and every shard holding, reserving and having sold exactly the units placed in it.

The tables are read raw (boto3's typed attribute values) and parsed here, never with the services'
own parsers, so a bug in those cannot hide itself from the audit; only the attribute names come
from the services' table modules.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dynamo_common import DynamoSettings
from orders_service import table as order_table
from products_service import table as product_table

RESERVATION_PREFIX = "#reservation#"
# The one reservation state each settled order state allows (None: no reservation at all).
RESERVATION_FOR_ORDER: dict[str, frozenset[str | None]] = {
    "CONFIRMED": frozenset({"COMMITTED"}),
    "CANCELLED": frozenset({"RETURNED"}),
    "FAILED": frozenset({"RELEASED", None}),
}
# How long stock may be held (RESERVED) for an order that is not PENDING: a checkout between its
# reserve and its confirmation. Beyond it, the reservation is stranded.
DEFAULT_HELD_TIMEOUT_SECONDS = 60.0


@dataclass
class Audit:
    oversold: list[str] = field(default_factory=list)
    not_conserved: dict[str, dict[str, int]] = field(default_factory=dict)
    mismatched: dict[str, dict[str, str | None]] = field(default_factory=dict)
    stranded: list[str] = field(default_factory=list)
    pending_orders: list[str] = field(default_factory=list)
    sold: dict[str, int] = field(default_factory=dict)
    shards_audited: int = 0

    @property
    def clean(self) -> bool:
        return not (
            self.oversold or self.not_conserved or self.mismatched or self.stranded or self.pending_orders
        )


@dataclass(frozen=True)
class _Reservation:
    status: str
    quantities: dict[str, int]
    shard_quantities: dict[tuple[str, int], int]
    created_at: str


@dataclass
class _Shard:
    current: int
    placed: int


def _scan(client: Any, table: str) -> list[dict[str, Any]]:
    items, start_key = [], None
    while True:
        page = client.scan(
            TableName=table, ConsistentRead=True, **({"ExclusiveStartKey": start_key} if start_key else {})
        )
        items += page["Items"]
        start_key = page.get("LastEvaluatedKey")
        if start_key is None:
            return items


def _reservation(item: dict[str, Any]) -> _Reservation:
    quantities: Counter[str] = Counter()
    shard_quantities: Counter[tuple[str, int]] = Counter()
    for line in item.get(product_table.RESERVATION_ITEMS, {}).get("L", []):
        product_id = line["M"][product_table.PRODUCT_ID]["S"]
        quantity = int(line["M"][product_table.QUANTITY]["N"])
        quantities[product_id] += quantity
        takes = line["M"].get(product_table.LINE_SHARDS, {}).get("M", {"0": {"N": str(quantity)}})
        for shard, units in takes.items():
            shard_quantities[(product_id, int(shard))] += int(units["N"])
    return _Reservation(
        item[product_table.STATUS]["S"],
        dict(quantities),
        dict(shard_quantities),
        item.get(product_table.CREATED_AT, {}).get("S", ""),
    )


def _timestamp(seconds_ago: float) -> str:
    moment = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def audit(
    client: Any,
    settings: DynamoSettings,
    initial_stock: dict[str, int],
    user_prefix: str,
    held_timeout_seconds: float = DEFAULT_HELD_TIMEOUT_SECONDS,
) -> Audit:
    """Check the products in `initial_stock` and the orders of users whose id starts with `user_prefix`."""
    report = Audit()
    stock: Counter[str] = Counter()
    shards: dict[tuple[str, int], _Shard] = {}
    reservations: dict[str, _Reservation] = {}
    for item in _scan(client, settings.table_name(product_table.TABLE_SPEC)):
        product_id = item[product_table.PRODUCT_ID]["S"]
        if product_id.startswith(RESERVATION_PREFIX):
            reservations[product_id.removeprefix(RESERVATION_PREFIX)] = _reservation(item)
        elif product_table.PRICE in item:
            stock[product_id] += int(item[product_table.INVENTORY_COUNT]["N"])
        elif product_table.SHARD_OF in item:
            count = int(item[product_table.INVENTORY_COUNT]["N"])
            stock[item[product_table.SHARD_OF]["S"]] += count
            shard = (item[product_table.SHARD_OF]["S"], int(product_id.rsplit("#", 1)[1]))
            shards[shard] = _Shard(count, int(item[product_table.STOCK_PLACED]["N"]))
    orders = {
        item[order_table.ORDER_ID]["S"]: item[order_table.STATUS]["S"]
        for item in _scan(client, settings.table_name(order_table.TABLE_SPEC))
        if item[order_table.USER_ID]["S"].startswith(user_prefix)
    }

    held: Counter[str] = Counter()
    sold: Counter[str] = Counter()
    held_in_shard: Counter[tuple[str, int]] = Counter()
    sold_from_shard: Counter[tuple[str, int]] = Counter()
    stranded_before = _timestamp(held_timeout_seconds)
    for order_id, reservation in reservations.items():
        if not set(reservation.quantities) & set(initial_stock):
            continue
        tally = {"RESERVED": held, "COMMITTED": sold}.get(reservation.status)
        if tally is not None:
            tally.update(reservation.quantities)
        shard_tally = {"RESERVED": held_in_shard, "COMMITTED": sold_from_shard}.get(reservation.status)
        if shard_tally is not None:
            shard_tally.update(reservation.shard_quantities)
        order_status = orders.get(order_id)
        if reservation.status == "RESERVED" and order_status != "PENDING":
            if reservation.created_at < stranded_before:
                report.stranded.append(order_id)
        elif order_status is None and reservation.status not in ("RELEASED", "RETURNED"):
            report.mismatched[order_id] = {"order": None, "reservation": reservation.status}

    for order_id, status in orders.items():
        reservation = reservations.get(order_id)
        reservation_status = reservation.status if reservation else None
        if status == "PENDING":
            report.pending_orders.append(order_id)
        elif reservation_status not in RESERVATION_FOR_ORDER.get(status, frozenset()):
            report.mismatched[order_id] = {"order": status, "reservation": reservation_status}

    for product_id, initial in initial_stock.items():
        current = stock.get(product_id, 0)
        report.sold[product_id] = sold[product_id]
        if current < 0:
            report.oversold.append(product_id)
        if current + held[product_id] + sold[product_id] != initial:
            report.not_conserved[product_id] = {
                "initial": initial,
                "current": current,
                "reserved": held[product_id],
                "sold": sold[product_id],
            }
    for (product_id, number), shard in shards.items():
        if product_id not in initial_stock:
            continue
        report.shards_audited += 1
        name = f"{product_id} shard {number}"
        key = (product_id, number)
        if shard.current < 0:
            report.oversold.append(name)
        if shard.current + held_in_shard[key] + sold_from_shard[key] != shard.placed:
            report.not_conserved[name] = {
                "placed": shard.placed,
                "current": shard.current,
                "reserved": held_in_shard[key],
                "sold": sold_from_shard[key],
            }
    return report
