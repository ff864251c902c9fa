"""The audit that decides "clean" for the integration, faults and load tiers, shown dirty states:
each must be reported, or a tier could pass over an oversold, stranded or mismatched shop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dynamo_common import DynamoSettings
from load.audit import RESERVATION_PREFIX, audit
from orders_service import table as order_table
from products_service import table as product_table

# No servers: the tables are handed to the audit as a scan would return them. Marked so that the
# integration tier, whose verdicts rest on the audit, runs it.
pytestmark = pytest.mark.integration

SETTINGS = DynamoSettings(region="us-east-1", table_prefix="audit-")
PRODUCTS = SETTINGS.table_name(product_table.TABLE_SPEC)
ORDERS = SETTINGS.table_name(order_table.TABLE_SPEC)
INITIAL = {"kettle": 10}


class Tables:
    """A DynamoDB client whose scans answer fixed items (in two pages, as DynamoDB may)."""

    def __init__(self, products: list[dict[str, Any]], orders: list[dict[str, Any]]):
        self.items = {PRODUCTS: products, ORDERS: orders}

    def scan(self, TableName: str, ExclusiveStartKey: Any = None, **_: Any) -> dict[str, Any]:
        items = self.items[TableName]
        half = len(items) // 2
        if ExclusiveStartKey is None and half:
            return {"Items": items[:half], "LastEvaluatedKey": {"page": 2}}
        return {"Items": items[half:] if ExclusiveStartKey else items}


def product(current: int) -> dict[str, Any]:
    return {
        product_table.PRODUCT_ID: {"S": "kettle"},
        product_table.PRICE: {"N": "20"},
        product_table.INVENTORY_COUNT: {"N": str(current)},
    }


def reservation(order_id: str, status: str, quantity: int, age: timedelta = timedelta(0)) -> dict[str, Any]:
    created = (datetime.now(UTC) - age).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    line = {product_table.PRODUCT_ID: {"S": "kettle"}, product_table.QUANTITY: {"N": str(quantity)}}
    return {
        product_table.PRODUCT_ID: {"S": RESERVATION_PREFIX + order_id},
        product_table.STATUS: {"S": status},
        product_table.RESERVATION_ITEMS: {"L": [{"M": line}]},
        product_table.CREATED_AT: {"S": created},
    }


def order(order_id: str, status: str) -> dict[str, Any]:
    return {
        order_table.ORDER_ID: {"S": order_id},
        order_table.USER_ID: {"S": "load-shopper"},
        order_table.STATUS: {"S": status},
    }


def run(products: list[dict[str, Any]], orders: list[dict[str, Any]]):
    return audit(Tables(products, orders), SETTINGS, INITIAL, "load-")


def test_a_consistent_shop_is_clean():
    report = run([product(7), reservation("o1", "COMMITTED", 3)], [order("o1", "CONFIRMED")])
    assert report.clean and report.sold == {"kettle": 3}


def test_an_oversold_product_is_reported():
    report = run(
        [product(-2), reservation("o1", "COMMITTED", 8), reservation("o2", "COMMITTED", 4)],
        [order("o1", "CONFIRMED"), order("o2", "CONFIRMED")],
    )
    assert report.oversold == ["kettle"] and not report.clean


def test_stock_stranded_by_an_order_that_is_not_pending_is_reported():
    report = run([product(7), reservation("o1", "RESERVED", 3, age=timedelta(hours=1))], [])
    assert report.stranded == ["o1"] and not report.clean
    assert not (report.mismatched or report.not_conserved or report.oversold)  # stranded alone
    # A reservation younger than the timeout is a checkout in flight, not stranded.
    assert run([product(7), reservation("o1", "RESERVED", 3)], [order("o1", "FAILED")]).stranded == []


def test_an_order_without_the_reservation_its_state_calls_for_is_reported():
    report = run([product(10), reservation("o1", "RELEASED", 3)], [order("o1", "CONFIRMED")])
    assert report.mismatched == {"o1": {"order": "CONFIRMED", "reservation": "RELEASED"}}
    assert not report.clean


def test_stock_that_does_not_add_up_is_reported():
    report = run([product(6), reservation("o1", "COMMITTED", 3)], [order("o1", "CONFIRMED")])
    assert report.not_conserved == {"kettle": {"initial": 10, "current": 6, "reserved": 0, "sold": 3}}
