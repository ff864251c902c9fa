"""`make load`: a sale event against a stack of its own, then the audit. Writes load/results.json.

Shoppers ramp up through the gateway, browse, edit carts and check out a few hot products whose
stock runs out; afterwards every unit of the hot products' stock must be accounted for.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench.stack import bench_stack
from load.audit import audit
from load.run import SCENARIOS, LoadProfile, page_views, run_locust
from load.shop import create_hot_products, settle_orders
from products_service.repository import ProductRepository
from products_service.seeding import load_catalogue, seed, shipped_catalogue
from products_service.stock_shards import MAX_SHARDS
from products_service.table import TABLE_SPEC as PRODUCTS_TABLE

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load", description=__doc__)
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--spawn-rate", type=float, default=5.0)
    parser.add_argument("--seconds", type=int, default=90)
    parser.add_argument(
        "--scenario",
        choices=sorted(SCENARIOS),
        default="sale",
        help="sale: shoppers over a few hot products; hot-product: most buyers on one product; "
        "hot-page: most shoppers viewing one product, some buying it",
    )
    parser.add_argument("--hot-products", type=int, help="default 5 (sale) or 1 (hot-product)")
    parser.add_argument("--hot-stock", type=int, help="default 40 (sale) or 400 (hot-product)")
    parser.add_argument(
        "--shards",
        type=int,
        choices=range(1, MAX_SHARDS + 1),
        metavar=f"1-{MAX_SHARDS}",
        help="stock shards of each hot product: default 1 (sale) or 4 (hot-product)",
    )
    args = parser.parse_args(argv)
    hot_scenario = args.scenario in ("hot-product", "hot-page")
    hot_count = args.hot_products or (1 if hot_scenario else 5)
    hot_stock = args.hot_stock or (400 if hot_scenario else 40)
    shards = args.shards or (4 if hot_scenario else 1)
    profile = LoadProfile(args.users, args.spawn_rate, args.seconds)
    print(f"starting a stack of its own (logs in {HERE / 'logs'})…", flush=True)
    with bench_stack(("products", "cart", "orders", "gateway"), HERE / "logs") as stack:
        seed(
            ProductRepository(stack.client, stack.settings.table_name(PRODUCTS_TABLE)),
            load_catalogue(shipped_catalogue()),
        )
        hot = create_hot_products(
            stack.urls["products"],
            stack.keys,
            f"Sale {uuid.uuid4().hex[:6]}",
            hot_count,
            hot_stock,
            shards=shards,
        )
        print(
            f"{args.scenario}: {profile.users} users for {profile.seconds} s, "
            f"ramping {profile.spawn_rate}/s…",
            flush=True,
        )
        result = run_locust(
            stack.urls["gateway"], profile, list(hot), HERE / "logs" / "locust", args.scenario
        )
        settle_orders(stack.environment.variables(), stack.client, stack.settings, "load-")
        views = (
            page_views(result.status_classes, stack.log_dir / "products.log")
            if args.scenario == "hot-page"
            else None
        )
        report = audit(stack.client, stack.settings, hot, "load-")
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario": args.scenario,
        "profile": profile.__dict__,
        "hot_products": {"count": len(hot), "stock_each": hot_stock, "stock_shards": shards},
        "load": result.as_dict(),
        **({"page_views": views} if views else {}),
        "audit": {**report.__dict__, "clean": report.clean},
    }
    (HERE / ("results.json" if args.scenario == "sale" else f"results-{args.scenario}.json")).write_text(
        json.dumps(results, indent=2) + "\n"
    )
    print(
        f"{result.requests} requests, {result.requests_per_second}/s, p50 {result.p50_ms} ms, "
        f"p95 {result.p95_ms} ms, p99 {result.p99_ms} ms, failures {result.failures}, "
        f"5xx {result.server_errors}; sold {sum(report.sold.values())} of {len(hot) * hot_stock}; "
        f"audit {'clean' if report.clean else 'FAILED: ' + json.dumps(report.__dict__)}",
        flush=True,
    )
    if views:
        print(
            f"page views: {views['views']}, {views['not_modified_share']:.0%} answered 304, "
            f"{views['dynamodb_reads_per_view']} DynamoDB reads per view",
            flush=True,
        )
    return 0 if report.clean and result.server_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
