"""`make bench`: each service call against the raw DynamoDB calls it wraps, measured in one run.

Writes bench/results.json and bench/results.png. Each pair is alternated call by call on one
DynamoDB Local, so the ratio holds even when the machine is busy; absolute milliseconds alone
mean little here.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.chart import draw
from bench.checkout import CheckoutBench
from bench.growth import catalogue_growth, seeding_speed
from bench.reads import ReadBench
from bench.stack import bench_stack
from products_service.repository import ProductRepository
from products_service.seeding import load_catalogue, seed, shipped_catalogue
from products_service.table import TABLE_SPEC as PRODUCTS_TABLE

HERE = Path(__file__).resolve().parent
TARGETS = {
    "read_p50_ratio": 1.5,
    "checkout_p50_ratio": 1.5,
    "growth_p50_ratio": 1.2,
    "seeding_speedup": 5.0,
}


def progress(message: str) -> None:
    print(message, flush=True)


def run(runs: int) -> dict[str, Any]:
    progress(f"starting DynamoDB Local and the services (logs in {HERE / 'logs'})…")
    with bench_stack(("products", "cart", "orders"), HERE / "logs") as stack:
        catalogue = load_catalogue(shipped_catalogue())
        seed(ProductRepository(stack.client, stack.settings.table_name(PRODUCTS_TABLE)), catalogue)
        reads = ReadBench(stack, [p.product_id for p in catalogue], catalogue[0].category)
        progress(f"reads: {runs} calls per side, alternated…")
        scenarios = {
            "product_read": reads.product_read(runs),
            "category_page": reads.category_page(runs),
            "ids_batch_of_20": reads.ids_batch(runs),
            "cart_read_10_lines": reads.cart_read(runs),
        }
        progress("checkout by cart size (1, 10, 50 lines), alternated with its minimal raw calls…")
        checkout = CheckoutBench(stack).run()
        progress("seeding 10,000 products: batch writes against one put at a time…")
        seeding = seeding_speed(stack)
        progress("catalogue growth: reads at 1,000 products…")
        growth = catalogue_growth(stack, runs, progress)
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "targets": TARGETS,
        "scenarios": scenarios,
        "checkout": checkout,
        "seeding": seeding,
        "growth": growth,
    }


def report(results: dict[str, Any]) -> None:
    def verdict(value: float, target: float, higher_is_better: bool = False) -> str:
        met = value >= target if higher_is_better else value <= target
        return f"{'meets' if met else 'MISSES'} target {target}"

    for name, figures in results["scenarios"].items():
        progress(
            f"{name:>19}: service p50 {figures['service']['p50_ms']:6.2f} ms "
            f"p99 {figures['service']['p99_ms']:6.2f} | "
            f"raw p50 {figures['raw']['p50_ms']:6.2f} p99 {figures['raw']['p99_ms']:6.2f} | "
            f"x{figures['p50_ratio']:.2f} ({verdict(figures['p50_ratio'], TARGETS['read_p50_ratio'])})"
        )
    for lines, figures in results["checkout"].items():
        capacity = figures["capacity_units_per_checkout"]
        progress(
            f"checkout {lines:>10}: service p50 {figures['service']['p50_ms']:6.1f} ms | minimal calls p50 "
            f"{figures['raw_minimal_calls']['p50_ms']:6.1f} | x{figures['p50_ratio']:.2f} "
            f"({verdict(figures['p50_ratio'], TARGETS['checkout_p50_ratio'])}) | capacity "
            f"{capacity['service_median']:.1f} units (minimal calls {capacity['minimal_calls_median']:.1f})"
        )
    seeding = results["seeding"]
    progress(
        f"seeding {seeding['products']:,}: batch {seeding['batch_write_seconds']} s, one at a time "
        f"{seeding['one_put_at_a_time_seconds']} s, x{seeding['speedup']} "
        f"({verdict(seeding['speedup'], TARGETS['seeding_speedup'], higher_is_better=True)})"
    )
    for name, figures in results["growth"].items():
        progress(
            f"growth {name}: p50 x{figures['p50_growth_ratio']} from 1,000 to 100,000 products "
            f"({verdict(figures['p50_growth_ratio'], TARGETS['growth_p50_ratio'])}); capacity units "
            f"{figures['capacity_units_at_1000']} → {figures['capacity_units_at_100000']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=300, help="measured calls per side (default 300)")
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    results = run(args.runs)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    draw(results, args.output.with_suffix(".png"))
    report(results)
    progress(f"written to {args.output} and {args.output.with_suffix('.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
