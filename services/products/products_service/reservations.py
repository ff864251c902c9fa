"""Stock reservations of orders: reserve, release, commit and return, each idempotent.

A reservation lives in the products table and changes in the same transaction as the stock it
holds, with a condition on its status, so stock is taken once and given back at most once
however often or concurrently a step is repeated. For every product,
initial stock + restocks = current + reserved + sold (see `stock_ledger`).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from products_service.catalogue import seconds_ago, utc_now
from products_service.reservation_model import (
    OutOfStock,
    PricesChanged,
    PricesMoved,
    ProductsGone,
    Reservation,
    ReservationBusy,
    ReservationConflict,
    ReservationNotFound,
    ReservationStatus,
    ReservationTaken,
    ReservedLine,
    ShortLine,
    StatusMoved,
    StockedProduct,
    StockPosition,
    WriteContended,
)
from products_service.reservation_repository import ReservationRepository
from products_service.stock_shards import pick_shards

MAX_RESERVE_ATTEMPTS = 6
# Tries after a split product's shard came up short while others held stock: each one means
# other buyers took stock meanwhile, so a sale that keeps them busy still ends, sold out.
MAX_SHARD_FALLBACKS = 32
MAX_TRANSITION_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 0.02
BACKOFF_CAP_SECONDS = 0.5

Sleep = Callable[[float], None]


def _backoff(attempt: int) -> float:
    """Full jitter, so retries of racing writers spread out instead of colliding again."""
    return random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt))  # noqa: S311


def reserve(
    repository: ReservationRepository,
    order_id: str,
    quantities: Mapping[str, int],
    sleep: Sleep = time.sleep,
    expected_prices: Mapping[str, Decimal] | None = None,
) -> tuple[Reservation, bool]:
    """Reserve every line or none, at the catalogue's current prices; True when newly reserved.

    An identical replay answers the existing reservation. Other items for the same order, or an
    order already given up (released), are a conflict; short stock names every short line.
    A replay is told apart by the transaction itself (its reservation put finds the old one), so
    a first reserve, the common case, costs no extra read. With `expected_prices` (the prices
    the shopper confirmed), any other price read is a conflict naming every such line; since
    each decrement is conditional on the price read, no other price can be charged.
    """
    shard_stock: dict[str, list[int]] = {}
    attempt = fallbacks = 0
    while attempt < MAX_RESERVE_ATTEMPTS and fallbacks <= MAX_SHARD_FALLBACKS:
        products = repository.products(list(quantities))
        changed = changed_prices(products, expected_prices or {})
        if changed:
            raise PricesChanged(changed)
        now = utc_now()
        lines = tuple(
            _line(product, quantity, shard_stock.get(product_id))
            for product_id, quantity in quantities.items()
            if (product := products.get(product_id))
        )
        absent = {pid: quantity for pid, quantity in quantities.items() if pid not in products}
        reservation = Reservation(order_id, ReservationStatus.RESERVED, lines, now, now)
        try:
            repository.reserve(reservation, absent)
        except OutOfStock as short:
            shard_stock = _short_unless_other_shards_hold_enough(repository, short, products)
            fallbacks += 1
            continue
        except ReservationTaken as taken:
            existing = taken.existing or repository.find(order_id)
            if existing is not None:
                return _replayed(existing, quantities), False
        except PricesMoved:
            pass
        except WriteContended:
            sleep(_backoff(attempt))
        else:
            return reservation, True
        attempt += 1
    raise ReservationBusy(f"The stock for order {order_id} kept changing; retry shortly.")


def _line(product: StockedProduct, quantity: int, shard_stock: list[int] | None) -> ReservedLine:
    takes = pick_shards(quantity, product.shards, shard_stock) if product.shards > 1 else ()
    return ReservedLine(product.product_id, product.name, product.price, quantity, takes)


def _short_unless_other_shards_hold_enough(
    repository: ReservationRepository, short: OutOfStock, products: Mapping[str, StockedProduct]
) -> dict[str, list[int]]:
    """The stock of each shard of the split products among the short lines, to take from the
    shards that hold it; re-raises `short`, naming each line's whole stock, when some line is
    short of stock in all its product's shards together."""
    split = {
        line.product_id: product.shards
        for line in short.short_lines
        if (product := products.get(line.product_id)) and product.shards > 1
    }
    if not split:
        raise short
    shard_stock = repository.shard_stock(split)
    really_short = [
        ShortLine(line.product_id, line.requested, sum(shard_stock[line.product_id]))
        if line.product_id in split
        else line
        for line in short.short_lines
        if line.product_id not in split or sum(shard_stock[line.product_id]) < line.requested
    ]
    if really_short:
        raise OutOfStock(really_short) from short
    return shard_stock


def changed_prices(
    products: Mapping[str, StockedProduct], expected_prices: Mapping[str, Decimal]
) -> list[tuple[str, Decimal, Decimal]]:
    """(product id, price expected, price now) of every product whose price is not the expected one."""
    return [
        (product_id, expected, products[product_id].price)
        for product_id, expected in expected_prices.items()
        if product_id in products and products[product_id].price != expected
    ]


def held_too_long(repository: ReservationRepository, held_for_seconds: float, limit: int) -> list[str]:
    """The order ids of the reservations RESERVED for more than `held_for_seconds`, oldest first."""
    return repository.held_since_before(seconds_ago(held_for_seconds), limit)


def _replayed(existing: Reservation, quantities: Mapping[str, int]) -> Reservation:
    if existing.status is ReservationStatus.RELEASED:
        raise ReservationConflict(f"Order {existing.order_id} was given up; it cannot reserve stock again.")
    if existing.quantities() != dict(quantities):
        raise ReservationConflict(f"Order {existing.order_id} already holds a reservation of other items.")
    return existing


@dataclass(frozen=True)
class _Step:
    """A status change: which statuses it moves from, where it is already done, and the stock."""

    verb: str
    target: ReservationStatus
    moves_from: frozenset[ReservationStatus]
    done_in: frozenset[ReservationStatus]
    gives_stock_back: bool


_RELEASE = _Step(
    "released",
    ReservationStatus.RELEASED,
    moves_from=frozenset({ReservationStatus.RESERVED}),
    # A returned reservation holds nothing either, so releasing it has nothing left to do.
    done_in=frozenset({ReservationStatus.RELEASED, ReservationStatus.RETURNED}),
    gives_stock_back=True,
)
_COMMIT = _Step(
    "committed",
    ReservationStatus.COMMITTED,
    moves_from=frozenset({ReservationStatus.RESERVED}),
    done_in=frozenset({ReservationStatus.COMMITTED}),
    gives_stock_back=False,
)
_RETURN = _Step(
    "returned",
    ReservationStatus.RETURNED,
    moves_from=frozenset({ReservationStatus.RESERVED, ReservationStatus.COMMITTED}),
    done_in=frozenset({ReservationStatus.RETURNED, ReservationStatus.RELEASED}),
    gives_stock_back=True,
)


def release(repository: ReservationRepository, order_id: str, sleep: Sleep = time.sleep) -> Reservation:
    """Give a RESERVED order's stock back; a sold (COMMITTED) one is a conflict.

    With no reservation at all a RELEASED tombstone is written, so a reserve arriving late for
    the order can never take stock afterwards.
    """
    return _take_step(repository, order_id, _RELEASE, sleep, repository.find(order_id))


def commit(repository: ReservationRepository, order_id: str, sleep: Sleep = time.sleep) -> Reservation:
    """Mark a RESERVED order's stock as sold; it stays taken.

    Every checkout commits, and its reservation is RESERVED then, so the write is tried first
    without reading; only when it is refused does the old image it returns decide what next.
    """
    try:
        return repository.commit_reserved(order_id)
    except StatusMoved as moved:
        return _take_step(repository, order_id, _COMMIT, sleep, moved.current)


def return_stock(repository: ReservationRepository, order_id: str, sleep: Sleep = time.sleep) -> Reservation:
    """Give a cancelled order's stock back, whether it was only reserved or already sold."""
    return _take_step(repository, order_id, _RETURN, sleep, repository.find(order_id))


def reservation_of(repository: ReservationRepository, order_id: str) -> Reservation:
    """The order's reservation, whatever its status."""
    reservation = repository.find(order_id)
    if reservation is None:
        raise ReservationNotFound(f"Order {order_id} has no reservation.")
    return reservation


def _take_step(
    repository: ReservationRepository,
    order_id: str,
    step: _Step,
    sleep: Sleep,
    current: Reservation | None,
) -> Reservation:
    """Apply `step` to the reservation as last read (`current`) once; a repeat, or a step another
    request already took, answers unchanged."""
    deleted: frozenset[str] = frozenset()
    for attempt in range(MAX_TRANSITION_ATTEMPTS):
        if current is None:
            if step is not _RELEASE:
                raise ReservationNotFound(f"Order {order_id} has no reservation.")
            now = utc_now()
            tombstone = Reservation(order_id, ReservationStatus.RELEASED, (), now, now)
            try:
                repository.add_tombstone(tombstone)
            except ReservationTaken as taken:
                current = taken.existing or repository.find(order_id)
                continue
            return tombstone
        if current.status in step.done_in:
            return current
        if current.status not in step.moves_from:
            raise ReservationConflict(
                f"Order {order_id}'s reservation is {current.status}; it cannot be {step.verb}."
            )
        try:
            return repository.change_status(
                current, step.target, give_back=step.gives_stock_back, skip=deleted
            )
        except StatusMoved as moved:
            current = moved.current or repository.find(order_id)
        except ProductsGone as gone:
            deleted |= gone.product_ids
        except WriteContended:
            sleep(_backoff(attempt))
    raise ReservationBusy(f"The reservation of order {order_id} kept changing; retry shortly.")


def stock_ledger(repository: ReservationRepository) -> dict[str, StockPosition]:
    """Per product: stock on the shelf, held by RESERVED orders, and sold to COMMITTED ones.

    Read by a full scan, so it is for checks and audits, not for requests: when no reservation
    is changing, initial stock + restocks == current + reserved + sold for every product.
    """
    positions: dict[str, StockPosition] = {}
    for (product_id, _), shard in sorted(shard_ledger(repository).items()):
        whole = positions.get(product_id, StockPosition(0, 0, 0))
        positions[product_id] = StockPosition(
            whole.current + shard.current, whole.reserved + shard.reserved, whole.sold + shard.sold
        )
    return positions


def shard_ledger(repository: ReservationRepository) -> dict[tuple[str, int], StockPosition]:
    """`stock_ledger` per stock shard: (product id, shard) → its position; an unsplit product is
    its shard 0 alone. The stock placed in each shard == current + reserved + sold there."""
    stock, reservations = repository.census()
    held = {
        ReservationStatus.RESERVED: Counter[tuple[str, int]](),
        ReservationStatus.COMMITTED: Counter[tuple[str, int]](),
    }
    for reservation in reservations:
        tally = held.get(reservation.status)
        if tally is not None:
            for line in reservation.lines:
                for shard, units in line.takes:
                    tally[(line.product_id, shard)] += units
    reserved, sold = held[ReservationStatus.RESERVED], held[ReservationStatus.COMMITTED]
    return {
        key: StockPosition(stock.get(key, 0), reserved[key], sold[key])
        for key in sorted(set(stock) | set(reserved) | set(sold))
    }
