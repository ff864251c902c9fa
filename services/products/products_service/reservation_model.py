"""What a stock reservation is: its statuses, lines and stock positions, and what can go wrong.

The rules (`reservations`) and the table access (`reservation_repository`) both speak in these
terms, so they live here, below both: the rules import the repository, never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from products_service.stock_shards import ShardTakes
from service_kit.problems import Conflict, NotFound, ServiceUnavailable


class ReservationStatus(StrEnum):
    RESERVED = "RESERVED"  # stock taken, the order not yet confirmed
    COMMITTED = "COMMITTED"  # sold: the stock stays taken
    RELEASED = "RELEASED"  # given up before being sold: stock back, the order id spent
    RETURNED = "RETURNED"  # cancelled after reserving or selling: stock back


@dataclass(frozen=True)
class ReservedLine:
    """One product of a reservation, at the name and unit price it had when reserved.

    `shard_takes` says which stock shards of a split product the units came from, so they go
    back to the same ones; empty when they all came from the product's own item.
    """

    product_id: str
    name: str
    unit_price: Decimal
    quantity: int
    shard_takes: ShardTakes = ()

    @property
    def takes(self) -> ShardTakes:
        """(shard, units) pairs of the stock this line holds."""
        return self.shard_takes or ((0, self.quantity),)


@dataclass(frozen=True)
class Reservation:
    """The stock one order holds; a RELEASED reservation without lines is a tombstone."""

    order_id: str
    status: ReservationStatus
    lines: tuple[ReservedLine, ...]
    created_at: str
    updated_at: str

    @property
    def total_price(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))

    def quantities(self) -> dict[str, int]:
        return {line.product_id: line.quantity for line in self.lines}


@dataclass(frozen=True)
class StockedProduct:
    """What a reservation needs to know of a product: its name, price and stock."""

    product_id: str
    name: str
    price: Decimal
    inventory_count: int
    shards: int = 1


@dataclass(frozen=True)
class ShortLine:
    """A line asking for more than is in stock (a missing product has none)."""

    product_id: str
    requested: int
    available: int


@dataclass(frozen=True)
class StockPosition:
    """Where a product's stock is: on the shelf, held for unconfirmed orders, or sold."""

    current: int
    reserved: int
    sold: int


class ReservationNotFound(NotFound):
    """The order has no reservation."""


class ReservationConflict(Conflict):
    """The order's reservation is in a state, or holds items, that forbid this step."""


class OutOfStock(Conflict):
    """Some lines ask for more than is in stock; `short_items` names every one of them."""

    def __init__(self, short: list[ShortLine]):
        self.short_lines = short
        names = ", ".join(line.product_id for line in short)
        super().__init__(
            f"Not enough stock for: {names}. Nothing was reserved.",
            short_items=[
                {"product_id": line.product_id, "requested": line.requested, "available": line.available}
                for line in short
            ],
        )


class PricesChanged(Conflict):
    """Some prices differ from the ones the shopper confirmed; `changed_items` names each line."""

    slug = "prices-changed"

    def __init__(self, changed: list[tuple[str, Decimal, Decimal]]):
        names = ", ".join(product_id for product_id, _, _ in changed)
        super().__init__(
            f"Prices changed since the cart was shown: {names}. Nothing was reserved.",
            changed_items=[
                {"product_id": product_id, "old_price": f"{old:.2f}", "new_price": f"{new:.2f}"}
                for product_id, old, new in changed
            ],
        )


class ReservationBusy(ServiceUnavailable):
    """The products or the reservation kept changing under every attempt; retry shortly."""


class WriteLost(Exception):
    """A reservation write was refused because the table changed; the rules decide what next."""


class ReservationTaken(WriteLost):
    """The order already has a reservation (or a release tombstone); `existing` is it, if known."""

    def __init__(self, existing: Reservation | None):
        super().__init__("the order already has a reservation")
        self.existing = existing


class PricesMoved(WriteLost):
    """A product's price changed, or a product appeared, since it was read."""


class StatusMoved(WriteLost):
    """The reservation left the status a step started from; `current` is it now, if known."""

    def __init__(self, current: Reservation | None):
        super().__init__("the reservation's status changed")
        self.current = current


class ProductsGone(WriteLost):
    """Products whose stock was to be given back have been deleted from the catalogue."""

    def __init__(self, product_ids: frozenset[str]):
        super().__init__(f"deleted products: {sorted(product_ids)}")
        self.product_ids = product_ids


class WriteContended(WriteLost):
    """DynamoDB cancelled the transaction in a race with another one; worth a retry."""
