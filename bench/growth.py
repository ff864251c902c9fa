"""Does a read cost more when the catalogue is 100 times bigger? It must not: keys and an index."""

from __future__ import annotations

import time
from typing import Any

from bench.reads import ReadBench
from bench.stack import BenchStack
from dynamo_common import batch_write
from products_service.repository import BULK_WRITE_WORKERS, ProductRepository, product_to_item
from products_service.seeding import seed, synthetic_products
from products_service.table import TABLE_SPEC as PRODUCTS_TABLE

SMALL, LARGE = 1_000, 100_000
GROWTH_CATEGORY = "Synthetic 01"
SEEDING_COMPARISON_SIZE = 10_000
SEEDING_ROUNDS = 4


def catalogue_growth(stack: BenchStack, runs: int, progress: Any) -> dict[str, Any]:
    repository = ProductRepository(stack.client, stack.settings.table_name(PRODUCTS_TABLE))
    seed(repository, synthetic_products(SMALL))
    product_ids = [product.product_id for product in synthetic_products(20)]
    reads = ReadBench(stack, product_ids, GROWTH_CATEGORY)
    small = {"product_read": reads.product_read(runs), "category_page": reads.category_page(runs)}
    progress(f"seeding up to {LARGE:,} products…")
    seed(repository, synthetic_products(LARGE))
    large = {"product_read": reads.product_read(runs), "category_page": reads.category_page(runs)}
    return {
        name: {
            f"p50_ms_at_{SMALL}": small[name]["service"]["p50_ms"],
            f"p50_ms_at_{LARGE}": large[name]["service"]["p50_ms"],
            "p50_growth_ratio": round(large[name]["service"]["p50_ms"] / small[name]["service"]["p50_ms"], 3),
            f"capacity_units_at_{SMALL}": small[name]["capacity_units_per_request"]["service_median"],
            f"capacity_units_at_{LARGE}": large[name]["capacity_units_per_request"]["service_median"],
        }
        for name in small
    }


def seeding_speed(stack: BenchStack) -> dict[str, Any]:
    """10,000 products written with BatchWriteItem against one PutItem each, into fresh ids.

    The two sides alternate in rounds, each going first in turn, so DynamoDB Local's JIT warming
    up and the machine's load favour neither.
    """
    table = stack.settings.table_name(PRODUCTS_TABLE)
    products = list(synthetic_products(2 * SEEDING_COMPARISON_SIZE))
    batched = [product_to_item(p) for p in products[:SEEDING_COMPARISON_SIZE]]
    single = [product_to_item(p) for p in products[SEEDING_COMPARISON_SIZE:]]
    for item in batched + single:
        item["ProductID"] = {"S": "seedbench-" + item["ProductID"]["S"]}
        del item["Category"]  # kept out of the category pages the other scenarios read

    def write_batched(items: list[dict[str, Any]]) -> None:
        batch_write(stack.client, table, items, workers=BULK_WRITE_WORKERS)

    def write_one_at_a_time(items: list[dict[str, Any]]) -> None:
        for item in items:
            stack.client.put_item(TableName=table, Item=item)

    size = SEEDING_COMPARISON_SIZE // SEEDING_ROUNDS
    batch_seconds = single_seconds = 0.0
    for number in range(SEEDING_ROUNDS):
        sides = [(write_batched, batched), (write_one_at_a_time, single)]
        for write, items in sides if number % 2 == 0 else reversed(sides):
            started = time.perf_counter()
            write(items[number * size : (number + 1) * size])
            elapsed = time.perf_counter() - started
            if write is write_batched:
                batch_seconds += elapsed
            else:
                single_seconds += elapsed
    return {
        "products": SEEDING_COMPARISON_SIZE,
        "rounds": SEEDING_ROUNDS,
        "batch_write_seconds": round(batch_seconds, 2),
        "one_put_at_a_time_seconds": round(single_seconds, 2),
        "speedup": round(single_seconds / batch_seconds, 2),
    }
