"""Orders: their states, lines and the problems a checkout can end in."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from service_kit.cart_version import SeenLine
from service_kit.problems import Conflict, NotFound, ValidationFailed

ORDER_ID_NAMESPACE = uuid.UUID("6f1f7a58-8a3c-4c36-9a55-2f0d1f3c9b11")


class Status(StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class OrderNotFound(NotFound):
    """No order with this id belongs to the caller."""


class EmptyCart(ValidationFailed):
    """There is nothing in the cart to check out."""


class OutOfStock(Conflict):
    """Some lines cannot be reserved; `short_items` names each with requested and available."""

    slug = "out-of-stock"


class KeyReused(Conflict):
    """The idempotency key was already used for a different cart."""

    slug = "idempotency-key-reused"


class CheckoutInProgress(Conflict):
    """Another request with the same key is still checking out."""

    slug = "checkout-in-progress"


class CheckoutFailed(Conflict):
    """The checkout ended without an order; the reason says why."""

    slug = "checkout-failed"


class CheckoutRefused(ValidationFailed):
    """Products refused what the checkout asked for as invalid; nothing was reserved."""

    slug = "checkout-refused"


class CartChanged(Conflict):
    """The cart is not what the shopper confirmed; `changed_items` names each changed line."""

    slug = "cart-changed"


class CartCheckoutInProgress(Conflict):
    """Another order's checkout holds this cart; `holding_order_id` names it."""

    slug = "cart-checkout-in-progress"


class NotCancellable(Conflict):
    """Only a confirmed order can be cancelled."""


@dataclass(frozen=True)
class CartLine:
    """A cart line as the checkout read it."""

    product_id: str
    quantity: int


@dataclass(frozen=True)
class OrderLine:
    """A bought line, priced by the products service at reservation time."""

    product_id: str
    name: str
    unit_price: Decimal
    quantity: int

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Order:
    """One checkout of one user's cart, under one idempotency key."""

    order_id: str
    user_id: str
    idempotency_key: str
    status: Status
    created_at: str
    updated_at: str
    lines: tuple[OrderLine, ...] = ()
    total_price: Decimal | None = None
    cart_lines: tuple[CartLine, ...] = ()
    cart_read_at: str | None = None
    cart_fingerprint: str | None = None
    lease_owner: str | None = None
    lease_until: str | None = None
    reservation_committed: bool = False
    cart_cleared: bool = False
    stock_returned: bool = False
    failure: dict[str, Any] = field(default_factory=dict)
    needs_recovery: bool = False
    cart_version: str | None = None

    @property
    def done_with_cart(self) -> bool:
        """True when this order will never again read, buy from or clear its cart."""
        return self.status == Status.FAILED or (
            self.status in (Status.CONFIRMED, Status.CANCELLED) and self.cart_cleared
        )


def order_id_for(user_id: str, idempotency_key: str) -> str:
    """The one order id a (user, key) pair can ever have: repeats collide on a conditional write."""
    return str(uuid.uuid5(ORDER_ID_NAMESPACE, f"{user_id}\n{idempotency_key}"))


def cart_fingerprint(lines: tuple[CartLine, ...] | list[CartLine]) -> str:
    canonical = "\n".join(f"{line.product_id}:{line.quantity}" for line in sorted(lines, key=_by_id))
    return hashlib.sha256(canonical.encode()).hexdigest()


def changed_lines(seen: tuple[SeenLine, ...], lines: list[CartLine]) -> list[dict[str, Any]]:
    """Every line whose quantity differs between the cart the shopper saw and the one read now
    (a line only in one of them has quantity 0 in the other), by product id."""
    seen_quantities = {line.product_id: line.quantity for line in seen}
    quantities = {line.product_id: line.quantity for line in lines}
    return [
        {
            "product_id": product_id,
            "old_quantity": seen_quantities.get(product_id, 0),
            "new_quantity": quantities.get(product_id, 0),
        }
        for product_id in sorted(set(seen_quantities) | set(quantities))
        if seen_quantities.get(product_id, 0) != quantities.get(product_id, 0)
    ]


def _by_id(line: CartLine) -> str:
    return line.product_id


def total_of(lines: tuple[OrderLine, ...]) -> Decimal:
    return sum((line.line_total for line in lines), Decimal("0"))


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Fixed-width ISO 8601 UTC, so strings sort in time order (index range keys rely on it)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def later(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)
