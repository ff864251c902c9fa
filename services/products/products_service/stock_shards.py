"""Hot products: a product's stock split over shard items, so one product can sell thousands a second.

Every reservation writes the stock item it takes from, and DynamoDB gives one item at most 1,000
write units a second (a transactional write costs two), so an unsplit product caps at about 500
checkouts a second. Split over N shards, a reservation takes from one shard chosen at random and
the product sustains N times that. The shown stock is the sum of the shards.

Shards only grow: a reservation remembers the shards it took from, and giving its stock back
must find them again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from dynamo_common import DynamoError
from products_service.catalogue import Product, split_evenly
from service_kit.problems import Conflict, Problem

if TYPE_CHECKING:
    from products_service.repository import ProductRepository

MAX_SHARDS = 16
MAX_SPLIT_ATTEMPTS = 5
HOT_WINDOW_SECONDS = 10.0

logger = logging.getLogger("shopsmart.stock_shards")

ShardTakes = tuple[tuple[int, int], ...]


class ShardsOnlyGrow(Conflict):
    """A product's stock cannot be split over fewer shards than it already has."""

    slug = "shards-only-grow"


def pick_shards(quantity: int, shards: int, stock: Sequence[int] | None) -> ShardTakes:
    """Where to take `quantity` units of a product split over `shards`: (shard, units) pairs.

    Without a fresh read of the shards, one chosen at random. With one (`stock`, per shard), a
    random shard holding enough, else units from several shards at random; when the shards hold
    too little altogether, one random shard, whose refusal names the line short.
    """
    if shards == 1:
        return ((0, quantity),)
    if stock is None:
        return ((random.randrange(shards), quantity),)  # noqa: S311 - spreading load, not a secret
    order = random.sample(range(shards), shards)
    enough = [shard for shard in order if stock[shard] >= quantity]
    if enough:
        return ((enough[0], quantity),)
    if sum(stock) < quantity:
        return ((order[0], quantity),)
    takes: list[tuple[int, int]] = []
    wanted = quantity
    for shard in order:
        if wanted and stock[shard] > 0:
            units = min(stock[shard], wanted)
            takes.append((shard, units))
            wanted -= units
    return tuple(takes)


def split_when_hot(
    watch: HotProductWatch, repository: ProductRepository, product_ids: Iterable[str], shards: int
) -> None:
    """Count these products' reservation and split any that just turned hot over `shards` items.

    The reservation is made already, so a split that fails is logged, not raised; the product
    stays as it was and sells from fewer items.
    """
    for product_id in watch.record(product_ids):
        try:
            product = split_product(repository, product_id, shards, automatic=True)
        except (Problem, DynamoError) as exc:
            logger.warning("hot product %s not split: %s", product_id, exc)
        else:
            logger.info("hot product %s: stock split over %d shards", product_id, product.stock_shards)


def split_product(
    repository: ProductRepository, product_id: str, shards: int, automatic: bool = False
) -> Product:
    """Split a product's stock evenly over `shards` items; a product already split that far is
    left as is. An admin asking for fewer shards than it has is refused; the automatic split
    leaves a product an admin split further as it is."""
    if not 1 <= shards <= MAX_SHARDS:
        raise ValueError(f"shards must be 1 to {MAX_SHARDS}")
    for _ in range(MAX_SPLIT_ATTEMPTS):
        current = repository.get(product_id, consistent=True)
        if shards < current.stock_shards and not automatic:
            raise ShardsOnlyGrow(
                f"Product {product_id} has {current.stock_shards} stock shards; they can only grow, "
                "because reservations give their stock back to the shards they took it from."
            )
        if shards <= current.stock_shards:
            return current
        split = repository.split_stock(current, split_evenly(current.inventory_count, shards))
        if split is not None:
            return split
    raise Conflict(f"Product {product_id}'s stock kept changing while it was being split; retry.")


class HotProductWatch:
    """Counts the reservations of each product this process makes over a sliding window, and names
    a product (once) when its rate passes `per_second`.

    Each process sees only its share of the traffic, so the threshold is per process.
    """

    def __init__(
        self,
        per_second: float,
        window_seconds: float = HOT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._limit = max(1, round(per_second * window_seconds))
        self._window = window_seconds
        self._clock = clock
        self._recent: dict[str, deque[float]] = {}
        self._named: set[str] = set()
        self._swept_at = clock()
        self._lock = threading.Lock()

    def record(self, product_ids: Iterable[str]) -> list[str]:
        """Count one reservation of each product; the products that just turned hot."""
        now = self._clock()
        hot = []
        with self._lock:
            for product_id in product_ids:
                if product_id in self._named:
                    continue
                times = self._recent.setdefault(product_id, deque(maxlen=self._limit))
                times.append(now)
                if len(times) == self._limit and now - times[0] <= self._window:
                    hot.append(product_id)
                    self._named.add(product_id)
                    del self._recent[product_id]
            self._forget_quiet(now)
        return hot

    def _forget_quiet(self, now: float) -> None:
        if now - self._swept_at < self._window:
            return
        self._swept_at = now
        quiet = [pid for pid, times in self._recent.items() if now - times[-1] > self._window]
        for product_id in quiet:
            del self._recent[product_id]
