"""One viral product: recorded sale-event runs on it, and the ceiling its stock items impose.

Every reservation writes the stock item it takes from, and DynamoDB serves at most 1,000 write
units per second to one item however many tasks run; a transactional write of an item up to
1 KB costs two. Two runs are recorded, the product in one stock item and split over stock
shards: each item's writes (its stock moves by one unit per checkout) and their spread. The
model then takes the write units a checkout costs on the product's own item (the larger one)
to N shards chosen at random: the hottest shard in a second must stay under the limit, at the
99th percentile of seconds.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
import uuid
from decimal import Decimal
from typing import Any

import urllib3

from bench.measure import Latencies, confirmed_cart, expect_status
from bench.stack import BenchStack
from devstack import mint_token
from dynamo_common import from_item
from products_service import table as product_table
from products_service.catalogue import new_product
from products_service.repository import ProductRepository
from products_service.stock_shards import split_product

ITEM_WRITE_UNITS_PER_SECOND = 1_000  # DynamoDB's per-item (per-partition) write limit
TRANSACTIONAL_WRITE_UNITS_PER_KB = 2
SHARD_COUNTS = (1, 4, 8, 16)
RECORDED_SHARDS = (1, 4)
DESIGN_TARGET_CHECKOUTS = 2_000
SECONDS_WITHIN_LIMIT = 0.99
HOT_STOCK = 1_000_000


def item_size_bytes(item: dict[str, Any]) -> int:
    """DynamoDB's size of an item: attribute names plus values (numbers counted generously)."""

    def size(value: dict[str, Any]) -> int:
        ((kind, raw),) = value.items()
        if kind in ("S", "N", "B"):
            return len(str(raw).encode())
        if kind == "L":
            return 3 + sum(size(element) + 1 for element in raw)
        if kind == "M":
            return 3 + sum(len(name.encode()) + size(element) + 1 for name, element in raw.items())
        return 1

    return sum(len(name.encode()) + size(value) for name, value in item.items())


def sustained_checkouts(shards: int, units_per_checkout: float) -> float:
    """Checkouts/s of one product that keep its hottest stock shard under the item limit.

    With rate R spread at random over N shards, a shard gets Binomial(R, 1/N) reservations a
    second; the hottest of the N stays under the limit in 99 % of seconds when
    R/N + z·sqrt(R/N·(1 - 1/N)) ≤ C, with z the normal quantile of 0.99^(1/N) and C the
    reservations one item takes per second. Solved for R; one shard takes exactly C.
    """
    per_item = ITEM_WRITE_UNITS_PER_SECOND / units_per_checkout
    if shards == 1:
        return per_item
    z = statistics.NormalDist().inv_cdf(SECONDS_WITHIN_LIMIT ** (1 / shards)) * math.sqrt(1 - 1 / shards)
    root = (-z + math.sqrt(z * z + 4 * per_item)) / 2
    return shards * root * root


class HotProductRun:
    """`buyers` buyers all checking out the same product for `seconds`, through the services:
    once with its stock in one item, once split over stock shards."""

    def __init__(self, stack: BenchStack, buyers: int, seconds: float):
        self.stack = stack
        self.buyers = buyers
        self.seconds = seconds
        self.table = stack.settings.table_name(product_table.TABLE_SPEC)
        self.products = ProductRepository(stack.client, self.table)
        self.http = urllib3.PoolManager(maxsize=buyers, timeout=30.0)

    def run(self) -> dict[str, Any]:
        recorded = {str(shards): self._record(shards) for shards in RECORDED_SHARDS}
        units_per_checkout = recorded["1"]["write_units_per_checkout_on_the_item"]
        return {
            "recorded_runs": recorded,
            "model": {
                "item_write_units_per_second": ITEM_WRITE_UNITS_PER_SECOND,
                "seconds_within_limit": SECONDS_WITHIN_LIMIT,
                "design_target_checkouts_per_second": DESIGN_TARGET_CHECKOUTS,
                "write_units_per_checkout_on_one_item": units_per_checkout,
                "checkouts_per_second_by_shards": {
                    str(shards): round(sustained_checkouts(shards, units_per_checkout))
                    for shards in SHARD_COUNTS
                },
            },
        }

    def _new_hot_product(self, shards: int) -> str:
        product = new_product(
            {
                "name": "The viral teapot",
                "description": "Everyone wants one.",
                "price": Decimal("19.99"),
                "category": "Hot",
                "inventory_count": HOT_STOCK,
            }
        )
        self.products.create(product)
        if shards > 1:
            split_product(self.products, product.product_id, shards)
        return product.product_id

    def _stock_items(self, product_id: str, shards: int) -> list[dict[str, Any]]:
        return [
            self.stack.client.get_item(
                TableName=self.table,
                Key={product_table.PRODUCT_ID: {"S": product_table.stock_item_id(product_id, shard)}},
                ConsistentRead=True,
            )["Item"]
            for shard in range(shards)
        ]

    def _record(self, shards: int) -> dict[str, Any]:
        product_id = self._new_hot_product(shards)
        before = self._stock_items(product_id, shards)
        latencies, elapsed = self._sale(product_id)
        after = self._stock_items(product_id, shards)

        def units(item: dict[str, Any]) -> int:
            return int(from_item(item)[product_table.INVENTORY_COUNT])

        writes = [units(old) - units(new) for old, new in zip(before, after, strict=True)]
        units_per_write = [
            TRANSACTIONAL_WRITE_UNITS_PER_KB * math.ceil(item_size_bytes(i) / 1024) for i in after
        ]
        checkouts = len(latencies)
        hottest = max(range(shards), key=lambda shard: writes[shard] * units_per_write[shard])
        return {
            "stock_shards": shards,
            "buyers": self.buyers,
            "seconds": round(elapsed, 2),
            "checkouts": checkouts,
            "checkouts_per_second": round(checkouts / elapsed, 1),
            "latency": Latencies(latencies).summary(),
            "writes_per_item_per_second": [round(count / elapsed, 1) for count in writes],
            "hottest_item_write_units_per_second": round(
                writes[hottest] * units_per_write[hottest] / elapsed, 1
            ),
            "hottest_item_share_of_writes": round(writes[hottest] / sum(writes), 3),
            "item_bytes": [item_size_bytes(item) for item in after],
            "writes_per_checkout": round(sum(writes) / checkouts, 3),
            "write_units_per_checkout_on_the_item": round(writes[0] * units_per_write[0] / checkouts, 3)
            if shards == 1
            else None,
        }

    def _sale(self, product_id: str) -> tuple[list[float], float]:
        latencies: list[float] = []
        errors: list[BaseException] = []
        lock = threading.Lock()
        deadline = time.monotonic() + self.seconds

        def buyer() -> None:
            token = mint_token(f"hot-{uuid.uuid4().hex[:12]}", keys=self.stack.keys)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            line = f'{{"product_id": "{product_id}", "quantity": 1}}'
            try:
                while time.monotonic() < deadline:
                    started = time.perf_counter()
                    expect_status(
                        self.http, 200, "POST", f"{self.stack.urls['cart']}/cart/items", headers, line
                    )
                    # A buyer looks at the cart, then confirms it: the view is part of the purchase.
                    confirmed = confirmed_cart(self.http, self.stack.urls["cart"], headers)
                    keyed = {**headers, "Idempotency-Key": uuid.uuid4().hex}
                    expect_status(
                        self.http, 201, "POST", f"{self.stack.urls['orders']}/orders", keyed, confirmed
                    )
                    with lock:
                        latencies.append((time.perf_counter() - started) * 1000)
            except Exception as exc:
                with lock:
                    errors.append(exc)

        started = time.perf_counter()
        threads = [threading.Thread(target=buyer, daemon=True) for _ in range(self.buyers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if errors:
            raise RuntimeError(f"{len(errors)} hot-product buyers failed; the first: {errors[0]}")
        return latencies, elapsed
