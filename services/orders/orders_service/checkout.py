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
from decimal import Decimal
from typing import Any

from dynamo_common import DynamoError
from orders_service.gateways import (
    CartClaimed,
    CartGateway,
    CartSnapshot,
    Reservation,
    ReservationRefused,
    StockGateway,
)
from orders_service.orders import (
    CartChanged,
    CartCheckoutInProgress,
    CartLine,
    CheckoutFailed,
    CheckoutInProgress,
    CheckoutRefused,
    EmptyCart,
    KeyReused,
    NotCancellable,
    Order,
    OrderNotFound,
    OutOfStock,
    Status,
    cart_fingerprint,
    changed_lines,
    iso,
    later,
    order_id_for,
    total_of,
    utc_now,
)
from orders_service.repository import LeaseLost, OrderRepository
from service_kit.cart_version import SeenLine, decode_cart_version
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
    """How long a worker may hold an order, and how long a replay waits for the first request.

    A replay of a key still being checked out waits at most `replay_wait_seconds` in all (about
    one dependency call's read timeout, so never longer than the checkout it waits for), reading
    the order after 50 ms, then twice as long each time up to `replay_poll_cap_seconds`: a
    handful of reads, not one every 50 ms on one of a task's few threads.
    """

    lease_seconds: float = 30.0
    replay_wait_seconds: float = 3.0
    replay_poll_seconds: float = 0.05
    replay_poll_cap_seconds: float = 1.0


def failure_problem(failure: dict[str, Any]) -> Problem:
    """The problem a failed checkout answered with, rebuilt for a replay of the same key."""
    extensions = {"order_id": failure["order_id"]}
    if int(failure.get("status", CheckoutFailed.status)) == CheckoutRefused.status:
        return CheckoutRefused(failure["detail"], **extensions)
    if failure.get("changed_items"):
        return CartChanged(failure["detail"], changed_items=failure["changed_items"], **extensions)
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


def _still_holds(holder: Order, order: Order) -> bool:
    """Whether `holder`'s hold on the cart stands against `order`'s checkout."""
    if not holder.done_with_cart:
        return True
    return holder.status != Status.FAILED and holder.cart_version == order.cart_version


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

    def place(self, user_id: str, idempotency_key: str, cart_version: str) -> tuple[Order, bool]:
        """Check out the user's cart once per key: (order, True) the first time, (order, False) after.

        `cart_version` is the cart the shopper confirmed (lines and prices): the first attempt
        is refused (409 cart-changed) if the cart read or a price differs from it.
        """
        order = self._new_pending(user_id, idempotency_key, cart_version)
        if self._orders.start(order):
            return self._from_cart(order, first_attempt=True), True
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

    def fail(
        self, order: Order, detail: str, refused: bool = False, **reasons: list[dict[str, Any]] | None
    ) -> Problem:
        """PENDING → FAILED holding no stock, and the cart free for another checkout.

        `reasons` are the lines that made it fail (`short_items`, `changed_items`), kept so that
        a replay of the key answers the same problem; `refused` when products refused the request
        itself as invalid (a 422 to the shopper rather than a 409).
        """
        failure: dict[str, Any] = {"order_id": order.order_id, "detail": detail}
        if refused:
            failure["status"] = CheckoutRefused.status
        failure.update({name: lines for name, lines in reasons.items() if lines})
        self._orders.fail(order, failure, self._now())
        self.let_go_of_cart(order)
        return failure_problem(failure)

    def forget(self, order: Order) -> None:
        """Delete an order no reserve was ever sent for, and let go of its cart."""
        self._orders.forget(order)
        self.let_go_of_cart(order)

    def let_go_of_cart(self, order: Order) -> None:
        """End the order's hold on its cart; if that fails, the next checkout finds the hold stale."""
        self._attempt(self._cart.release_claim, order.user_id, order.order_id)

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

    def _from_cart(self, order: Order, first_attempt: bool) -> Order:
        # An order without recorded cart lines never sent a reserve, so forgetting it is safe.
        try:
            snapshot = self._claim_cart(order)
        except ServiceUnavailable:
            self._orders.forget(order)
            raise
        if not snapshot.lines:
            self._orders.forget(order)
            raise EmptyCart("The cart is empty.")
        changed = changed_lines(self._seen_lines(order), snapshot.lines)
        if changed:
            raise self.fail(
                order,
                "The cart changed since it was shown; review it and confirm again. Nothing was reserved.",
                changed_items=changed,
            )
        fingerprint = cart_fingerprint(snapshot.lines)
        self._orders.record_cart(order, snapshot.lines, snapshot.read_at, fingerprint, self._now())
        remembered = replace(
            order,
            cart_lines=tuple(snapshot.lines),
            cart_read_at=snapshot.read_at,
            cart_fingerprint=fingerprint,
        )
        return self._reserve_and_confirm(remembered, first_attempt)

    def _claim_cart(self, order: Order) -> CartSnapshot:
        """Hold the cart for this order and read it.

        The hold of another order is a 409 naming it (and this order is forgotten, nothing
        reserved) while that order is still working on the cart, or when it bought the very
        cart version this checkout confirms. A hold by an order that failed, is gone, or bought
        an earlier cart is taken over.
        """
        replacing = None
        for _ in range(2):
            try:
                return self._cart.claim(order.user_id, order.order_id, order.cart_version or "", replacing)
            except CartClaimed as claimed:
                replacing = claimed.holder
            holder = self._orders.get(replacing)
            if holder is not None and holder.user_id == order.user_id and _still_holds(holder, order):
                break
        self._orders.forget(order)
        raise CartCheckoutInProgress(
            f"A checkout of this cart is in progress or done: order {replacing}. "
            "Nothing was reserved for this one.",
            holding_order_id=replacing,
        )

    def _seen_lines(self, order: Order) -> tuple[SeenLine, ...]:
        return decode_cart_version(order.cart_version) if order.cart_version else ()

    def _expected_prices(self, order: Order) -> dict[str, Decimal] | None:
        """The prices the shopper confirmed; None for an order placed without a cart version."""
        if not order.cart_version:
            return None
        return {line.product_id: line.price for line in self._seen_lines(order) if line.price is not None}

    def _reserve_and_confirm(self, order: Order, first_attempt: bool) -> Order:
        try:
            reservation = self._stock.reserve(
                order.order_id, list(order.cart_lines), self._expected_prices(order)
            )
        except DependencyUnreachable as exc:
            if not first_attempt:
                # An earlier attempt may have reached products: the order stays PENDING, and
                # recovery confirms it from its reservation or fences it with a release.
                raise self._left_for_recovery(order, exc) from exc
            self.forget(order)  # no attempt of this order was ever delivered: nothing is reserved
            raise
        except ServiceUnavailable as exc:
            raise self._left_for_recovery(order, exc) from exc
        except ReservationRefused as refused:
            # Nothing was reserved: the order ends FAILED now, never PENDING for recovery.
            raise self.fail(
                order,
                refused.problem.get("detail", "The stock could not be reserved."),
                refused=refused.status != CheckoutFailed.status,
                short_items=refused.problem.get("short_items"),
                changed_items=refused.problem.get("changed_items"),
            ) from refused
        try:
            return self.confirm_reserved(order, reservation)
        except LeaseLost as exc:
            raise CheckoutInProgress(
                f"Order {order.order_id} is being resolved by another worker.", order_id=order.order_id
            ) from exc
        except DynamoError as exc:
            return self._settle_unrecorded_confirmation(order, exc)

    def _left_for_recovery(self, order: Order, exc: ServiceUnavailable) -> ServiceUnavailable:
        return ServiceUnavailable(
            f"{exc.detail} Order {order.order_id} will be resolved; retry with the same key.",
            retry_after=int(self._settings.lease_seconds),
            order_id=order.order_id,
        )

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
        """The order of a key already used: at once when it is settled (CONFIRMED, FAILED, ...);
        while another request is still checking it out, after a bounded wait (see
        CheckoutSettings), or a take-over when that request's lease ran out."""
        waited, pause = 0.0, self._settings.replay_poll_seconds
        while True:
            order = self._orders.get(attempt.order_id)
            if order is None:
                # The first attempt gave up before reserving anything; this one starts afresh.
                order, _ = self.place(attempt.user_id, attempt.idempotency_key, attempt.cart_version or "")
                return order
            if order.status != Status.PENDING:
                return self._resolved_replay(order)
            if order.lease_until and iso(self._clock()) > order.lease_until:
                taken = self.take_over(order)
                if taken is not None:
                    if taken.cart_lines:
                        return self._reserve_and_confirm(taken, first_attempt=False)
                    return self._from_cart(taken, first_attempt=False)
            pause = min(pause, self._settings.replay_wait_seconds - waited)
            if pause <= 0:
                raise CheckoutInProgress(
                    f"Order {order.order_id} is still being checked out; retry shortly.",
                    order_id=order.order_id,
                )
            self._sleep(pause)
            waited += pause
            pause = min(2 * pause, self._settings.replay_poll_cap_seconds)

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

    def _new_pending(self, user_id: str, idempotency_key: str, cart_version: str) -> Order:
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
            cart_version=cart_version or None,
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
