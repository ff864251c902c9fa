"""After the load: no product oversold, every unit of stock accounted for, and orders and
reservations in one-to-one agreement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dynamo_common import DynamoSettings, from_item
from orders_service import table as order_table
from products_service import table as product_table
from products_service.reservation_repository import ReservationRepository
from products_service.reservations import stock_ledger

RESERVATION_PREFIX = "#reservation#"
HOLDS_STOCK = {"RESERVED", "COMMITTED"}
ORDER_BOUGHT = {"CONFIRMED", "CANCELLED"}


@dataclass
class Audit:
    oversold: list[str] = field(default_factory=list)
    not_conserved: dict[str, dict[str, int]] = field(default_factory=dict)
    orders_without_reservation: list[str] = field(default_factory=list)
    reservations_without_order: list[str] = field(default_factory=list)
    pending_orders: list[str] = field(default_factory=list)
    sold: dict[str, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not (
            self.oversold
            or self.not_conserved
            or self.orders_without_reservation
            or self.reservations_without_order
            or self.pending_orders
        )


def _scan(client: Any, table: str) -> list[dict[str, Any]]:
    items, start_key = [], None
    while True:
        page = client.scan(TableName=table, **({"ExclusiveStartKey": start_key} if start_key else {}))
        items += [from_item(item) for item in page["Items"]]
        start_key = page.get("LastEvaluatedKey")
        if start_key is None:
            return items


def audit(client: Any, settings: DynamoSettings, initial_stock: dict[str, int], user_prefix: str) -> Audit:
    """Check the hot products' stock and the orders of users whose id starts with `user_prefix`."""
    products_table = settings.table_name(product_table.TABLE_SPEC)
    report = Audit()
    ledger = stock_ledger(ReservationRepository(client, products_table))
    for product_id, initial in initial_stock.items():
        position = ledger[product_id]
        report.sold[product_id] = position.sold
        if position.current < 0:
            report.oversold.append(product_id)
        if position.current + position.reserved + position.sold != initial:
            report.not_conserved[product_id] = {
                "initial": initial,
                "current": position.current,
                "reserved": position.reserved,
                "sold": position.sold,
            }
    reservations = {
        item[product_table.PRODUCT_ID].removeprefix(RESERVATION_PREFIX): item
        for item in _scan(client, products_table)
        if item[product_table.PRODUCT_ID].startswith(RESERVATION_PREFIX)
    }
    orders = {
        item[order_table.ORDER_ID]: item[order_table.STATUS]
        for item in _scan(client, settings.table_name(order_table.TABLE_SPEC))
        if item[order_table.USER_ID].startswith(user_prefix)
    }
    for order_id, status in orders.items():
        if status == "PENDING":
            report.pending_orders.append(order_id)
        reservation = reservations.get(order_id)
        if status in ORDER_BOUGHT and (
            reservation is None or reservation[product_table.STATUS] not in HOLDS_STOCK | {"RETURNED"}
        ):
            report.orders_without_reservation.append(order_id)
    for order_id, reservation in reservations.items():
        touches_audited_stock = any(
            line[product_table.PRODUCT_ID] in initial_stock
            for line in reservation.get(product_table.RESERVATION_ITEMS, [])
        )
        if (
            touches_audited_stock
            and reservation[product_table.STATUS] in HOLDS_STOCK
            and orders.get(order_id) not in ORDER_BOUGHT
        ):
            report.reservations_without_order.append(order_id)
    return report
