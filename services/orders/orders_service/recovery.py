"""Resolving orders whose checkout or cancel stopped half-way (a crash, a timeout, a dependency down).

Work is found with a Query on the sparse `RecoveryDueIndex` (keys only; each order is then read
strongly), never a Scan. Each order is taken under a lease first, so two recovery runs, or a run
and a live checkout, never act on one order at once.
A PENDING order is confirmed when its stock is reserved, and otherwise released and marked FAILED.

Then the sweep: stock RESERVED for longer than the sweep age (products finds it through its sparse
`HeldReservationsIndex`) whose order is gone or FAILED is released. The fencing is on this side,
in the orders table that decides an order's fate: products never releases on its own clock, it
is only asked to release orders that can no longer confirm. A FAILED order never becomes
CONFIRMED (every confirmation is conditional on PENDING), and an order is deleted ("forgotten")
only when no reserve for it was ever delivered, so a reservation without an order belongs to
no checkout that could still confirm it. PENDING orders are left to the recovery above, which
confirms them from their reservation or fences them with a release; CONFIRMED and CANCELLED
ones are finished by it (commit, return). The sweep age (10 minutes by default) is kept well
beyond the checkout lease, so a checkout in flight is never even looked at.
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


DEFAULT_SWEEP_AGE_SECONDS = 600


def recover_due_orders(
    orders: OrderRepository,
    checkout: Checkout,
    stock: StockGateway,
    clock: Callable[[], datetime] = utc_now,
    sweep_age_seconds: int = DEFAULT_SWEEP_AGE_SECONDS,
) -> Counter[str]:
    """Resolve every order whose lease has run out, then sweep reservations left without a live
    order; returns how many ended in each outcome."""
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
    try:
        outcomes.update(release_orphaned_reservations(orders, stock, sweep_age_seconds))
    except ServiceUnavailable as exc:
        logger.warning("sweep deferred", extra={"error": str(exc)})
        outcomes["sweep-deferred"] += 1
    if outcomes:
        logger.info("recovery run", extra={"outcomes": dict(outcomes)})
    return outcomes


def release_orphaned_reservations(
    orders: OrderRepository, stock: StockGateway, held_for_seconds: int
) -> Counter[str]:
    """Release the stock held longer than `held_for_seconds` by orders that are gone or FAILED."""
    outcomes: Counter[str] = Counter()
    for order_id in stock.held_too_long(held_for_seconds):
        order = orders.get(order_id)
        if order is not None and order.status != Status.FAILED:
            outcomes["held-by-live-order"] += 1  # the order's own recovery settles its stock
            continue
        try:
            stock.release(order_id)
        except ReservationRefused as exc:
            logger.warning("orphan not released", extra={"order_id": order_id, "error": str(exc)})
            outcomes["orphan-deferred"] += 1
            continue
        logger.info("orphaned reservation released", extra={"order_id": order_id})
        outcomes["orphan-released"] += 1
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
        checkout.forget(order)  # it never got as far as reserving
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
