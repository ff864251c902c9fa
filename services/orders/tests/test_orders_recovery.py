"""Recovery resolves each order on its own: one that cannot be resolved never stops the others."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from orders_service.api import REPOSITORY_EXTENSION
from orders_service.checkout import Checkout, CheckoutSettings
from orders_service.cli import STOCK_EXTENSION, run_recovery
from orders_service.orders import CartLine, utc_now
from orders_service.recovery import DEFAULT_SWEEP_AGE_SECONDS, recover_due_orders
from service_kit.problems import ServiceUnavailable
from test_kit.logs import collected_logs


class OneOrderBreaks:
    """The products fake, except that reading one order's reservation fails like a bug would."""

    def __init__(self, stock: Any, broken_order_id: str):
        self._stock = stock
        self._broken_order_id = broken_order_id

    def find(self, order_id: str) -> Any:
        if order_id == self._broken_order_id:
            raise KeyError("unit_price")
        return self._stock.find(order_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stock, name)


def test_one_order_that_cannot_be_resolved_does_not_stop_the_others(app, client, auth_headers, cart, stock):
    shoppers = {user: auth_headers(user) for user in ("alice", "bob", "carol")}
    stock.failure = ServiceUnavailable("products timed out")
    pending = {}
    for user, headers in shoppers.items():
        cart.lines[user] = [CartLine("tea", 1)]
        response = client.post(
            "/orders",
            headers={**headers, "Idempotency-Key": f"{user}-1"},
            json={"cart_version": cart.version(user)},
        )
        assert response.status_code == 503
        pending[user] = response.json["order_id"]
    stock.failure = None
    later = lambda: utc_now() + timedelta(minutes=5)  # noqa: E731
    orders = app.extensions[REPOSITORY_EXTENSION]
    broken = OneOrderBreaks(stock, pending["bob"])
    late = Checkout(orders, cart, broken, CheckoutSettings(), clock=later)

    with collected_logs("shopsmart.recovery") as logged:
        outcomes = recover_due_orders(orders, late, broken, clock=later)

    assert outcomes == {"failed": 2, "failed-to-resolve": 1}
    status = {
        user: client.get(f"/orders/{oid}", headers=shoppers[user]).json["status"]
        for user, oid in pending.items()
    }
    assert status == {"alice": "FAILED", "bob": "PENDING", "carol": "FAILED"}
    (failure,) = [
        record for record in logged.records if record.getMessage() == "recovery of one order failed"
    ]
    assert failure.order_id == pending["bob"] and failure.exc_info[0] is KeyError


def test_the_sweep_leaves_stock_younger_than_its_age_alone(app, stock):
    """The sweep age is what keeps recovery off a checkout in flight: stock reserved for an order
    that is not (yet) in the orders table is released only once it is older than the age."""
    app.extensions[STOCK_EXTENSION] = stock
    stock.reserve("order-not-recorded-yet", [CartLine("tea", 2)])
    stock.age(DEFAULT_SWEEP_AGE_SECONDS - 1)
    assert "orphan-released" not in run_recovery(app)
    assert stock.reservations["order-not-recorded-yet"].status == "RESERVED"
    stock.age(2)
    assert run_recovery(app)["orphan-released"] == 1
    assert stock.reservations["order-not-recorded-yet"].status == "RELEASED"
    assert DEFAULT_SWEEP_AGE_SECONDS >= 600  # far beyond the 30 s checkout lease
