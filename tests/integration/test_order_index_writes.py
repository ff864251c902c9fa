"""What the checkout's order updates cost in index writes, on the official DynamoDB Local (moto
does not count index writes): recovery's index holds keys only, so recording the cart and
confirming write no entry of it; an order leaving recovery's work removes its entry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from dynamo_common import metered
from orders_service import table as attr
from orders_service.orders import CartLine, Order, OrderLine, Status, iso
from orders_service.repository import OrderRepository


@pytest.fixture
def orders(dynamo_client, dynamo_settings) -> OrderRepository:
    return OrderRepository(dynamo_client, dynamo_settings.table_name(attr.TABLE_SPEC))


@pytest.fixture
def pending(orders) -> Order:
    now = datetime.now(UTC)
    order = Order(
        order_id=str(uuid.uuid4()),
        user_id=f"index-{uuid.uuid4().hex[:8]}",
        idempotency_key=uuid.uuid4().hex,
        status=Status.PENDING,
        created_at=iso(now),
        updated_at=iso(now),
        lease_owner="worker",
        lease_until=iso(now + timedelta(seconds=30)),
        needs_recovery=True,
    )
    assert orders.start(order)
    return order


def test_a_checkouts_order_updates_write_recoverys_index_only_when_leaving_it(orders, pending):
    now = iso(datetime.now(UTC))
    line = OrderLine(product_id="p-1", name="Teapot", unit_price=Decimal("19.99"), quantity=1)
    # Each write: the order (1) and the owner's list entry (1, projection ALL), nothing more.
    with metered() as recording:
        orders.record_cart(pending, [CartLine("p-1", 1)], now, "fingerprint", now)
    with metered() as confirming:
        orders.confirm(pending, (line,), Decimal("19.99"), now)
    # The order, the owner's entry, and the recovery entry it leaves.
    with metered() as finishing:
        orders.finish_steps(pending, committed=True, cart_cleared=True, now=now)

    assert [meter.write_units for meter in (recording, confirming, finishing)] == [2, 2, 3]


def test_recovery_finds_a_due_order_whole_through_the_keys_only_index(orders, pending):
    later = iso(datetime.now(UTC) + timedelta(minutes=5))

    due = [
        order for order in orders.due_for_recovery(later, limit=1000) if order.order_id == pending.order_id
    ]

    # The index holds only keys: the order comes from the table, with its lease and its key.
    assert [(order.lease_owner, order.idempotency_key) for order in due] == [
        ("worker", pending.idempotency_key)
    ]
