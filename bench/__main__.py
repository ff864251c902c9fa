"""`make bench`: service latency against the raw DynamoDB calls it wraps, measured in one run.

Writes bench/results.json. Each pair is alternated call by call on one DynamoDB Local, so the
ratio holds even when the machine is busy; absolute milliseconds alone mean little here.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import urllib3

from bench.checkout import CheckoutBench
from bench.measure import compare
from bench.stack import BenchStack, bench_stack
from dynamo_common import PRODUCTS, to_value
from dynamo_common import attributes as attr
from products_service.repository import ProductRepository
from products_service.seeding import load_catalogue, seed, shipped_catalogue

RESULTS = Path(__file__).resolve().parent / "results.json"
TARGET_RATIO = 1.5


def product_reads(stack: BenchStack, runs: int) -> dict[str, Any]:
    table = stack.settings.table_name(PRODUCTS)
    repository = ProductRepository(stack.client, table)
    products = load_catalogue(shipped_catalogue())
    seed(repository, products)
    product_id = products[0].product_id
    category = products[0].category
    # urllib3 with keep-alive: the same transport botocore uses for the raw side.
    http = urllib3.PoolManager(maxsize=1, timeout=5.0)
    base = stack.urls["products"]

    def fetch(url: str, fields: dict[str, Any] | None = None) -> None:
        response = http.request("GET", url, fields=fields)
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")

    def service_get() -> None:
        fetch(f"{base}/products/{product_id}")

    def raw_get() -> None:
        stack.client.get_item(TableName=table, Key={attr.PRODUCT_ID: {"S": product_id}})

    def service_page() -> None:
        fetch(f"{base}/products", {"category": category, "limit": "20"})

    def raw_page() -> None:
        stack.client.query(
            TableName=table,
            IndexName=attr.CATEGORY_INDEX,
            KeyConditionExpression="#c = :c",
            ExpressionAttributeNames={"#c": attr.CATEGORY},
            ExpressionAttributeValues={":c": to_value(category)},
            Limit=20,
        )

    return {
        "product_read": compare(service_get, raw_get, runs),
        "category_page": compare(service_page, raw_page, runs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=400, help="measured calls per side (default 400)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    log_dir = Path(__file__).resolve().parent / "logs"
    print(f"starting DynamoDB Local and the services (logs in {log_dir})…", flush=True)
    with bench_stack(("products", "cart", "orders"), log_dir) as stack:
        print(f"reads: {args.runs} calls per side, alternated…", flush=True)
        scenarios = product_reads(stack, args.runs)
        print("checkout by cart size (1, 10, 50 lines), alternated with its raw calls…", flush=True)
        scenarios["checkout"] = CheckoutBench(stack).run()
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "target_p50_ratio": TARGET_RATIO,
        "scenarios": scenarios,
    }
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    for lines, figures in scenarios["checkout"].items():
        capacity = figures["capacity_units_per_checkout"]
        print(
            f"checkout {lines:>9}: service p50 {figures['service']['p50_ms']:.1f} ms | raw calls p50 "
            f"{figures['raw_minimal_calls']['p50_ms']:.1f} ms | ratio {figures['p50_ratio']:.2f} | capacity "
            f"{capacity['service_median']:.1f} units (minimal calls {capacity['minimal_calls_median']:.1f})"
        )
    for name, figures in ((k, v) for k, v in scenarios.items() if k != "checkout"):
        verdict = "meets" if figures["p50_ratio"] <= TARGET_RATIO else "MISSES"
        print(
            f"{name:>15}: service p50 {figures['service']['p50_ms']:.2f} ms "
            f"p99 {figures['service']['p99_ms']:.2f} ms | raw p50 {figures['raw']['p50_ms']:.2f} ms "
            f"p99 {figures['raw']['p99_ms']:.2f} ms | ratio {figures['p50_ratio']:.2f} "
            f"({verdict} ≤ {TARGET_RATIO})"
        )
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
