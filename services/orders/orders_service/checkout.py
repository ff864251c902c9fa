"""The checkout saga, and cancellation: every step idempotent and keyed by the order id.

Steps: record the order PENDING under a lease (one order per user and key, by a conditional
write) → read the cart → remember it on the order → reserve stock (products answers the server's
prices) → confirm the order with an exact total → commit the reservation → remove the bought
quantities from the cart. Whoever holds an order's lease is the only one who may move it on; a
replay or the recovery routine takes over only after the lease has run out.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from dynamo_common import DynamoError
from orders_service.gateways import CartGateway, Reservation, ReservationRefused, StockGateway
from orders_service.orders import (
    CartLine,
    CheckoutFailed,
    CheckoutInProgress,
    EmptyCart,
    KeyReused,
    NotCancellable,
    Order,
    OrderNotFound,
    OutOfStock,
    Status,
    cart_fingerprint,
    iso,
    later,
    order_id_for,
    total_of,
    utc_now,
)
from orders_service.repository import LeaseLost, OrderRepository
from service_kit.http import DependencyUnreachable
from service_kit.problems import Problem, ServiceUnavailable

logger = logging.getLogger("shopsmart.checkout")
SIDE_STEP_WORKERS = 8


def _in_this_context(step: Callable[..., Any]) -> Callable[..., Any]:
    """`step`, to run in another thread inside a copy of this thread's context variables, where
    Flask keeps the request context: the step's calls carry this request's X-Request-ID."""
    context = contextvars.copy_context()
    return functools.partial(context.run, step)


@dataclass(frozen=True)
class CheckoutSettings:
    """How long a worker may hold an order, and how long a replay waits for the first request."""

    lease_seconds: float = 30.0
    replay_wait_seconds: float = 10.0
    replay_poll_seconds: float = 0.05


def failure_problem(failure: dict[str, Any]) -> Problem:
    """The problem a failed checkout answered with, rebuilt for a replay of the same key."""
    extensions = {"order_id": failure["order_id"]}
    if failure.get("short_items"):
        short_items = [
            {
                "product_id": item["product_id"],
                "requested": int(item["requested"]),
                "available": int(item["available"]),
            }
            for item in failure["short_items"]
        ]
        return OutOfStock(failure["detail"], short_items=short_items, **extensions)
    return CheckoutFailed(failure["detail"], **extensions)


class Checkout:
    """Places, replays, finishes and cancels orders; collaborators are passed in for tests."""

    def __init__(
        self,
        orders: OrderRepository,
        cart: CartGateway,
        stock: StockGateway,
        settings: CheckoutSettings | None = None,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._orders = orders
        self._cart = cart
        self._stock = stock
        self._settings = settings or CheckoutSettings()
        self._clock = clock
        self._sleep = sleep
        self._side_steps = ThreadPoolExecutor(max_workers=SIDE_STEP_WORKERS, thread_name_prefix="checkout")

    def place(self, user_id: str, idempotency_key: str) -> tuple[Order, bool]:
        """Check out the user's cart once per key: (order, True) the first time, (order, False) after."""
        order = self._new_pending(user_id, idempotency_key)
        if self._orders.start(order):
            return self._from_cart(order), True
        return self._replay(order), False

    def finish(self, order: Order) -> Order:
        """Commit the reservation and clear the cart for a CONFIRMED order (each at most once).

        The two steps touch different services and neither depends on the other, so they run
        side by side; the order records both once both have answered.
        """
        clearing = None
        if not order.cart_cleared:
            bought = [CartLine(line.product_id, line.quantity) for line in order.lines]
            clear = _in_this_context(self._attempt)
            clearing = self._side_steps.submit(
                clear, self._cart.remove_bought, order.user_id, order.order_id, order.cart_read_at, bought
            )
        committed = order.reservation_committed or self._attempt(self._stock.commit, order.order_id)
        cleared = order.cart_cleared or (clearing is not None and clearing.result())
        now = self._now()
        try:
            self._orders.finish_steps(order, committed, cleared, now)
        except DynamoError:
            # Not fatal for the shopper: the order stays in the recovery index and is finished later.
            logger.warning("could not record finished steps", extra={"order_id": order.order_id})
            return order
        return replace(order, reservation_committed=committed, cart_cleared=cleared, updated_at=now)

    def confirm_reserved(self, order: Order, reservation: Reservation) -> Order:
        """PENDING → CONFIRMED at the reservation's prices, then the after-confirmation steps."""
        total = total_of(reservation.lines)
        self._orders.confirm(order, reservation.lines, total, self._now())
        confirmed = replace(order, status=Status.CONFIRMED, lines=reservation.lines, total_price=total)
        return self.finish(confirmed)

    def fail(self, order: Order, detail: str, short_items: list[dict[str, Any]] | None = None) -> Problem:
        failure: dict[str, Any] = {"order_id": order.order_id, "detail": detail}
        if short_items:
            failure["short_items"] = short_items
        self._orders.fail(order, failure, self._now())
        return failure_problem(failure)

    def cancel(self, user_id: str, order_id: str) -> Order:
        """CONFIRMED → CANCELLED, and the stock given back exactly once (now, or by recovery)."""
        order = self.order_of(user_id, order_id)
        owner, until = self._lease()
        if order.status != Status.CONFIRMED or not self._orders.cancel(order, self._now(), owner, until):
            raise NotCancellable(
                f"Order {order_id} is {order.status}; only a CONFIRMED order can be cancelled."
            )
        cancelled = replace(order, status=Status.CANCELLED, lease_owner=owner, lease_until=until)
        return self.give_back(replace(cancelled, needs_recovery=True))

    def give_back(self, order: Order) -> Order:
        if self._attempt(self._stock.give_back, order.order_id):
            self._orders.stock_returned(order, self._now())
            return replace(order, stock_returned=True, needs_recovery=False)
        return order

    def order_of(self, user_id: str, order_id: str) -> Order:
        order = self._orders.get(order_id)
        if order is None or order.user_id != user_id:
            raise OrderNotFound(f"No order {order_id}.")
        return order

    def take_over(self, order: Order) -> Order | None:
        """The order under a fresh lease of ours, if its lease has run out and nobody beat us."""
        owner, until = self._lease()
        return self._orders.take_over(order, owner, self._now(), until)

    def _from_cart(self, order: Order) -> Order:
        try:
            snapshot = self._cart.read(order.user_id)
        except ServiceUnavailable:
            self._orders.forget(order)
            raise
        if not snapshot.lines:
            self._orders.forget(order)
            raise EmptyCart("The cart is empty.")
        fingerprint = cart_fingerprint(snapshot.lines)
        self._orders.record_cart(order, snapshot.lines, snapshot.read_at, fingerprint, self._now())
        remembered = replace(
            order,
            cart_lines=tuple(snapshot.lines),
            cart_read_at=snapshot.read_at,
            cart_fingerprint=fingerprint,
        )
        return self._reserve_and_confirm(remembered)

    def _reserve_and_confirm(self, order: Order) -> Order:
        try:
            reservation = self._stock.reserve(order.order_id, list(order.cart_lines))
        except DependencyUnreachable:
            self._orders.forget(order)  # never delivered, so nothing is reserved: start afresh
            raise
        except ServiceUnavailable as exc:
            raise ServiceUnavailable(
                f"{exc.detail} Order {order.order_id} will be resolved; retry with the same key.",
                retry_after=int(self._settings.lease_seconds),
                order_id=order.order_id,
            ) from exc
        except ReservationRefused as refused:
            raise self.fail(
                order,
                refused.problem.get("detail", "The stock could not be reserved."),
                refused.problem.get("short_items"),
            ) from refused
        try:
            return self.confirm_reserved(order, reservation)
        except LeaseLost as exc:
            raise CheckoutInProgress(
                f"Order {order.order_id} is being resolved by another worker.", order_id=order.order_id
            ) from exc
        except DynamoError as exc:
            return self._settle_unrecorded_confirmation(order, exc)

    def _settle_unrecorded_confirmation(self, order: Order, error: DynamoError) -> Order:
        """The confirmation's write failed, and may or may not have landed.

        The order is marked FAILED first, on condition that it is still PENDING under our lease:
        once FAILED it can never be confirmed, so only then is its stock released (by recovery if
        the release fails now). If the confirmation did land, the order is finished instead; if
        DynamoDB cannot say, the order stays PENDING and recovery settles it from its reservation.
        """
        failure = {
            "order_id": order.order_id,
            "detail": "The order could not be recorded; the reserved stock was released.",
        }
        try:
            self._orders.fail(order, failure, self._now(), stock_held=True)
        except LeaseLost:
            current = self._orders.get(order.order_id)
            if current is not None and current.status == Status.CONFIRMED:
                return self.finish(current)
            raise CheckoutInProgress(
                f"Order {order.order_id} is being resolved by another worker.", order_id=order.order_id
            ) from error
        except DynamoError:
            logger.warning("order left for recovery", extra={"order_id": order.order_id})
        else:
            self.release_for(order)
        raise ServiceUnavailable("The order could not be recorded; nothing was charged.") from error

    def release_for(self, order: Order) -> bool:
        """Release a FAILED order's stock; False when recovery must retry the release or its record."""
        if not self._attempt(self._stock.release, order.order_id):
            return False
        try:
            self._orders.stock_released(order, self._now())
        except DynamoError:
            logger.warning("release left for recovery", extra={"order_id": order.order_id})
            return False
        return True

    def _replay(self, attempt: Order) -> Order:
        deadline = time.monotonic() + self._settings.replay_wait_seconds
        while True:
            order = self._orders.get(attempt.order_id)
            if order is None:
                # The first attempt gave up before reserving anything; this one starts afresh.
                order, _ = self.place(attempt.user_id, attempt.idempotency_key)
                return order
            if order.status != Status.PENDING:
                return self._resolved_replay(order)
            if order.lease_until and iso(self._clock()) > order.lease_until:
                taken = self.take_over(order)
                if taken is not None:
                    return self._reserve_and_confirm(taken) if taken.cart_lines else self._from_cart(taken)
            if time.monotonic() >= deadline:
                raise CheckoutInProgress(
                    f"Order {order.order_id} is still being checked out; retry shortly.",
                    order_id=order.order_id,
                )
            self._sleep(self._settings.replay_poll_seconds)

    def _resolved_replay(self, order: Order) -> Order:
        current = self._cart.read(order.user_id)
        if current.lines and cart_fingerprint(current.lines) != order.cart_fingerprint:
            raise KeyReused(
                "This Idempotency-Key was used for a different cart; use a new key.",
                order_id=order.order_id,
            )
        if order.status == Status.FAILED:
            raise failure_problem(order.failure)
        return order

    def _new_pending(self, user_id: str, idempotency_key: str) -> Order:
        now = self._now()
        owner, until = self._lease()
        return Order(
            order_id=order_id_for(user_id, idempotency_key),
            user_id=user_id,
            idempotency_key=idempotency_key,
            status=Status.PENDING,
            created_at=now,
            updated_at=now,
            lease_owner=owner,
            lease_until=until,
            needs_recovery=True,
        )

    def _lease(self) -> tuple[str, str]:
        return uuid.uuid4().hex, iso(later(self._clock(), self._settings.lease_seconds))

    def _now(self) -> str:
        return iso(self._clock())

    @staticmethod
    def _attempt(step: Callable[..., Any], *args: Any) -> bool:
        """Run a keyed, idempotent step; False when it must be retried later (by recovery)."""
        try:
            step(*args)
        except (ServiceUnavailable, ReservationRefused) as exc:
            logger.warning("step deferred", extra={"step": step.__name__, "error": str(exc)})
            return False
        return True
