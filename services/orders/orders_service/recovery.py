"""Resolving orders whose checkout or cancel stopped half-way (a crash, a timeout, a dependency down).

Work is found with a Query on the sparse `RecoveryIndex`, never a Scan. Each order is taken under a
lease first, so two recovery runs, or a run and a live checkout, never act on one order at once.
A PENDING order is confirmed when its stock is reserved, and otherwise released and marked FAILED.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from orders_service.checkout import Checkout
from orders_service.gateways import ReservationRefused, StockGateway
from orders_service.orders import Order, Status, iso, utc_now
from orders_service.repository import LeaseLost, OrderRepository
from service_kit.problems import ServiceUnavailable

logger = logging.getLogger("shopsmart.recovery")

INTERRUPTED = "The checkout was interrupted before the order was confirmed; nothing was charged."


def recover_due_orders(
    orders: OrderRepository,
    checkout: Checkout,
    stock: StockGateway,
    clock: Callable[[], datetime] = utc_now,
) -> Counter[str]:
    """Resolve every order whose lease has run out; returns how many ended in each outcome."""
    outcomes: Counter[str] = Counter()
    for order in orders.due_for_recovery(iso(clock())):
        taken = checkout.take_over(order)
        if taken is None:
            outcomes["busy"] += 1
            continue
        try:
            outcomes[_resolve(taken, orders, checkout, stock)] += 1
        except (ServiceUnavailable, ReservationRefused, LeaseLost) as exc:
            logger.warning("recovery deferred", extra={"order_id": order.order_id, "error": str(exc)})
            outcomes["deferred"] += 1
        except Exception:
            # One order that cannot be resolved must not stop the others; its lease runs out and
            # the next run tries it again.
            logger.exception("recovery of one order failed", extra={"order_id": order.order_id})
            outcomes["failed-to-resolve"] += 1
    if outcomes:
        logger.info("recovery run", extra={"outcomes": dict(outcomes)})
    return outcomes


def _resolve(order: Order, orders: OrderRepository, checkout: Checkout, stock: StockGateway) -> str:
    if order.status == Status.CONFIRMED:
        checkout.finish(order)
        return "finished"
    if order.status == Status.CANCELLED:
        checkout.give_back(order)
        return "stock-returned"
    if order.status == Status.FAILED:
        # Failed after reserving, and the release has not been recorded yet.
        return "stock-released" if checkout.release_for(order) else "deferred"
    if order.status != Status.PENDING:
        return "nothing-to-do"
    if not order.cart_lines:
        orders.forget(order)  # it never got as far as reserving
        return "forgotten"
    reservation = stock.find(order.order_id)
    if reservation is not None and reservation.status in ("RESERVED", "COMMITTED"):
        checkout.confirm_reserved(order, reservation)
        return "confirmed"
    stock.release(order.order_id)  # also fences off a reserve still in flight
    checkout.fail(order, INTERRUPTED)
    return "failed"


class RecoveryLoop:
    """Runs recovery every `interval` seconds in a daemon thread of a service process."""

    def __init__(self, run: Callable[[], object], interval: float):
        self._run = run
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="order-recovery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self._run()
            except Exception:
                logger.exception("recovery run failed")
