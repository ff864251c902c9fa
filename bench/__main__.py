"""`make bench`: the services against their floors, measured in one run.

Reads against the three-app Flask + boto3 peer (`bench.peer`) and the raw DynamoDB calls,
alternated call by call; a sale's throughput, latency and server CPU per purchase through the
services, through the peer (the same hops and guarantees, nothing else) and as the raw calls of
the same checkout, alternated in rounds; a one-product sale and the stock-shard model; checkout
by cart size, seeding and catalogue growth; a purchase's units itemised and the bill of 1,000
checkouts for the services and the peer, and a viral page's origin reads. Writes
bench/results.json, bench/results.png, bench/hot-product.png and bench/cost.png. Ratios measured
in one run hold when the machine is busy; absolute milliseconds alone mean little here.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.chart import draw, draw_cost, draw_hot
from bench.checkout import CheckoutBench
from bench.cost import cost_model, peer_cost, record_peer_purchases, record_purchases, typical
from bench.growth import catalogue_growth, seeding_speed
from bench.hot import HotProductRun
from bench.pages import page_view_model, record_views
from bench.profile import flame_graphs
from bench.reads import ReadBench
from bench.stack import PEER_PROCESSES, bench_stack
from bench.throughput import DEFAULT_BUYERS, DEFAULT_SECONDS, ThroughputBench
from products_service.repository import ProductRepository
from products_service.seeding import load_catalogue, seed, shipped_catalogue
from products_service.table import TABLE_SPEC as PRODUCTS_TABLE

HERE = Path(__file__).resolve().parent
TARGETS = {
    "read_p50_ratio": 1.5,
    "read_peer_p50_ratio": 1.05,
    "checkout_p50_ratio": 1.5,
    "throughput_ratio": 0.6,
    # Services ÷ the three-app peer, in one run (issue 25).
    "peer_throughput_ratio": 0.8,
    "peer_server_cpu_ratio": 1.25,
    "peer_p50_ratio": 1.2,
    "server_cpu_ms_per_checkout": 20.0,
    "growth_p50_ratio": 1.2,
    "seeding_speedup": 10.0,
}
SERVICE_NAMES = ("products", "cart", "orders")
# What an earlier run contributes as `before`: when it was measured, its reads and its throughput.
BEFORE_KEYS = ("measured_at", "scenarios", "throughput")
PARTS = ("reads", "throughput", "hot", "checkout", "seeding", "growth", "cost")
# Where the cost part takes the services' CPU per purchase from when this run has no throughput part.
LAST_FULL_RUN = HERE / "results.json"


def progress(message: str) -> None:
    print(message, flush=True)


def run(runs: int, parts: set[str], buyers: int, seconds: float, profile: str | None) -> dict[str, Any]:
    progress(f"starting DynamoDB Local, the services and the peer's apps (logs in {HERE / 'logs'})…")
    results: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "targets": TARGETS,
    }
    with bench_stack(SERVICE_NAMES, HERE / "logs", with_peer=True) as stack:
        catalogue = load_catalogue(shipped_catalogue())
        seed(ProductRepository(stack.client, stack.settings.table_name(PRODUCTS_TABLE)), catalogue)
        if "reads" in parts:
            reads = ReadBench(stack, [p.product_id for p in catalogue], catalogue[0].category)
            progress(f"reads: {runs} calls per side (service, peer app, raw), alternated…")
            results["scenarios"] = {
                "product_read": reads.product_read(runs),
                "category_page": reads.category_page(runs),
                "ids_batch_of_20": reads.ids_batch(runs),
                "cart_read_10_lines": reads.cart_read(runs),
            }
        checkout = CheckoutBench(stack)
        if "throughput" in parts:
            progress(
                f"throughput: {buyers} buyers, services, peer and raw calls {seconds:g} s each, in rounds…"
            )
            if profile:
                # The services and the peer's apps, to set each service beside its peer app.
                profiled = {*SERVICE_NAMES, *PEER_PROCESSES}
                servers = {name: pid for name, pid in stack.pids.items() if name in profiled}
                with flame_graphs(servers, HERE / "profiles", profile, HERE / "logs") as graphs:
                    results["throughput"] = ThroughputBench(checkout, buyers, seconds).run()
                progress("flame graphs: " + ", ".join(str(graph) for graph in graphs))
            else:
                results["throughput"] = ThroughputBench(checkout, buyers, seconds).run()
        if "hot" in parts:
            progress(
                f"hot product: {buyers} buyers on one product, unsplit then split, {seconds / 2:g} s each…"
            )
            results["hot_product"] = HotProductRun(stack, buyers, seconds / 2).run()
        if "checkout" in parts:
            progress("checkout by cart size (1, 10, 50 lines), alternated with its minimal raw calls…")
            results["checkout"] = checkout.run()
        if "seeding" in parts:
            progress("seeding 10,000 products: batch writes against one put at a time…")
            results["seeding"] = seeding_speed(stack)
        if "growth" in parts:
            progress("catalogue growth: reads at 1,000 products…")
            results["growth"] = catalogue_growth(stack, runs, progress)
        if "cost" in parts:
            progress("cost: one-line purchases itemised from the EMF lines, then one product's page views…")
            cpu_ms, cpu_source = services_cpu_per_purchase(results)
            results["cost"] = {
                **cost_model(typical(record_purchases(stack)), cpu_ms),
                "cpu_source": cpu_source,
            }
            progress("cost: the same purchases through a metered peer of their own…")
            peer_cpu_ms, _ = services_cpu_per_purchase(results, side="peer")
            results["cost"]["peer"] = peer_cost(typical(record_peer_purchases(stack)), peer_cpu_ms)
            views = record_views(stack)
            results["pages"] = {"recorded": views, **page_view_model(views["read_units_per_origin_read"])}
    return results


def services_cpu_per_purchase(results: dict[str, Any], side: str = "services") -> tuple[float | None, str]:
    """The Python CPU per purchase of `side` ("services" or "peer"): this run's throughput part,
    else the last full run's."""
    for source, figures in (("this run", results), (str(LAST_FULL_RUN.name), _last_full_run())):
        throughput = figures.get("throughput", {}).get(side)
        if throughput:
            measured_at = figures.get("measured_at", "")
            return throughput["server_cpu_ms_per_checkout"][
                "python_services"
            ], f"{source} {measured_at}".strip()
    return None, "none"


def _last_full_run() -> dict[str, Any]:
    return json.loads(LAST_FULL_RUN.read_text()) if LAST_FULL_RUN.exists() else {}


def report(results: dict[str, Any]) -> None:
    def verdict(value: float, target: float, higher_is_better: bool = False) -> str:
        met = value >= target if higher_is_better else value <= target
        return f"{'meets' if met else 'MISSES'} target {target}"

    for name, figures in results.get("scenarios", {}).items():
        progress(
            f"{name:>19}: service p50 {figures['service']['p50_ms']:6.2f} ms "
            f"p99 {figures['service']['p99_ms']:6.2f} | "
            f"peer p50 {figures['peer']['p50_ms']:6.2f} | "
            f"raw p50 {figures['raw']['p50_ms']:6.2f} p99 {figures['raw']['p99_ms']:6.2f} | "
            f"x{figures['peer_p50_ratio']:.2f} peer "
            f"({verdict(figures['peer_p50_ratio'], TARGETS['read_peer_p50_ratio'])}), "
            f"x{figures['p50_ratio']:.2f} raw"
        )
    if "throughput" in results:
        throughput = results["throughput"]
        for side in ("services", "peer", "raw_calls"):
            figures = throughput[side]
            cpu = figures["server_cpu_ms_per_checkout"]
            split = ", ".join(f"{name} {ms}" for name, ms in cpu["by_process"].items())
            units = figures["capacity_units_per_checkout"]
            progress(
                f"throughput {side:>9}: {figures['checkouts_per_second']:6.1f} checkouts/s, p50 "
                f"{figures['latency']['p50_ms']:.0f} ms p99 {figures['latency']['p99_ms']:.0f} ms | "
                f"server CPU {cpu['total']} ms/checkout ({split})"
                + ("" if units is None else f" | {units:g} capacity units")
            )
        to_peer = throughput["services_to_peer"]
        progress(
            f"services / peer: throughput x{to_peer['throughput']} "
            f"({verdict(to_peer['throughput'], TARGETS['peer_throughput_ratio'], higher_is_better=True)}), "
            f"server CPU per purchase x{to_peer['server_cpu_per_checkout']} "
            f"({verdict(to_peer['server_cpu_per_checkout'], TARGETS['peer_server_cpu_ratio'])}; "
            f"Python alone x{to_peer['python_cpu_per_checkout']}), "
            f"p50 x{to_peer['p50']} ({verdict(to_peer['p50'], TARGETS['peer_p50_ratio'])})"
        )
        services_cpu = throughput["services"]["server_cpu_ms_per_checkout"]["total"]
        ratio = throughput["throughput_ratio"]
        before, after = throughput["machine_before"], throughput["machine_after"]
        progress(
            f"throughput ratio x{ratio} "
            f"({verdict(ratio, TARGETS['throughput_ratio'], higher_is_better=True)}); "
            f"server CPU {services_cpu} ms ({verdict(services_cpu, TARGETS['server_cpu_ms_per_checkout'])}); "
            f"machine load {before['load_average_1min']} → {after['load_average_1min']} "
            f"on {after['cores']} cores"
        )
    if "throughput" in results.get("before", {}):
        before = results["before"]
        figures = before["throughput"]["services"]
        progress(
            f"before ({before['measured_at']}): "
            f"throughput ratio x{before['throughput']['throughput_ratio']}, "
            f"{figures['checkouts_per_second']} checkouts/s, server CPU "
            f"{figures['server_cpu_ms_per_checkout']['total']} ms/checkout "
            f"({figures['server_cpu_ms_per_checkout']['python_services']} ms in the services), "
            f"{figures['dynamodb_calls_per_checkout']:g} DynamoDB calls; reads x"
            + " · x".join(f"{read['peer_p50_ratio']}" for read in before.get("scenarios", {}).values())
            + " of the peer"
        )
    for lines, figures in results.get("checkout", {}).items():
        capacity = figures["capacity_units_per_checkout"]
        progress(
            f"checkout {lines:>10}: service p50 {figures['service']['p50_ms']:6.1f} ms | minimal calls p50 "
            f"{figures['raw_minimal_calls']['p50_ms']:6.1f} | x{figures['p50_ratio']:.2f} "
            f"({verdict(figures['p50_ratio'], TARGETS['checkout_p50_ratio'])}) | capacity "
            f"{capacity['service_median']:.1f} units (minimal calls {capacity['minimal_calls_median']:.1f})"
        )
    if "hot_product" in results:
        runs, model = results["hot_product"]["recorded_runs"], results["hot_product"]["model"]
        sustained = model["checkouts_per_second_by_shards"]
        for shards, recorded in runs.items():
            progress(
                f"hot product in {shards} stock item(s): {recorded['checkouts_per_second']} checkouts/s "
                f"recorded, writes/s per item {recorded['writes_per_item_per_second']}, hottest item "
                f"{recorded['hottest_item_share_of_writes']:.0%} of the writes"
            )
        progress(
            f"hot product model: {model['write_units_per_checkout_on_one_item']} write units per checkout "
            "on one item | "
            + ", ".join(f"{shards} shards → {rate:,}/s" for shards, rate in sustained.items())
            + f" (design target {model['design_target_checkouts_per_second']:,}/s)"
        )
    if "seeding" in results:
        seeding = results["seeding"]
        progress(
            f"seeding {seeding['products']:,}: batch {seeding['batch_write_seconds']} s, one at a time "
            f"{seeding['one_put_at_a_time_seconds']} s, x{seeding['speedup']} "
            f"({verdict(seeding['speedup'], TARGETS['seeding_speedup'], higher_is_better=True)})"
        )
    for name, figures in results.get("growth", {}).items():
        progress(
            f"growth {name}: p50 x{figures['p50_growth_ratio']} from 1,000 to 100,000 products "
            f"({verdict(figures['p50_growth_ratio'], TARGETS['growth_p50_ratio'])}); capacity units "
            f"{figures['capacity_units_at_1000']} → {figures['capacity_units_at_100000']}"
        )


def report_cost(results: dict[str, Any]) -> None:
    cost = results["cost"]
    for call in cost["calls"]:
        units = call["read_units"] + call["write_units"]
        progress(
            f"  {call['service']:>8} {call['operation']:<18} {units:4g} units "
            f"(minimum {call['minimum_units']:g}) {call['serves']}"
        )
    progress(
        f"purchase: {cost['capacity_units']:g} units in {cost['dynamodb_calls']} calls, design minimum "
        f"{cost['design_minimum_units']:g}: x{cost['ratio_to_minimum']} "
        f"({'meets' if cost['ratio_to_minimum'] <= cost['target_ratio'] else 'MISSES'} target "
        f"{cost['target_ratio']})"
    )
    sides = [("services", cost), *([("peer", cost["peer"])] if "peer" in cost else [])]
    for name, figures in sides:
        bill = figures["per_1000_checkouts"]
        fargate = f", Fargate ${bill['fargate_usd']:.4f}" if "fargate_usd" in bill else ""
        progress(
            f"1,000 checkouts, {name}: {figures['capacity_units']:g} units a purchase, "
            f"DynamoDB ${bill['dynamodb_usd']:.4f}{fargate}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=300, help="measured calls per side (default 300)")
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    parser.add_argument("--buyers", type=int, default=DEFAULT_BUYERS, help="concurrent buyers (default 16)")
    parser.add_argument(
        "--seconds", type=float, default=DEFAULT_SECONDS, help="throughput seconds per side (default 20)"
    )
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts to run (default all: {','.join(PARTS)})",
    )
    parser.add_argument(
        "--profile",
        metavar="LABEL",
        help="record py-spy flame graphs of the services during the throughput part, as "
        "bench/profiles/flame-<service>-LABEL.svg (sampling costs CPU: do not report that run's figures)",
    )
    parser.add_argument(
        "--before",
        type=Path,
        default=HERE / "results-before.json",
        help="an earlier run (of the code before a change) kept beside this one's figures as `before` "
        "(default bench/results-before.json, if it exists)",
    )
    parser.add_argument(
        "--redraw",
        action="store_true",
        help="measure nothing: re-read --output, attach --before, redraw the charts and print the report",
    )
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    if unknown := parts - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    if args.redraw:
        results = json.loads(args.output.read_text())
    else:
        results = run(args.runs, parts, args.buyers, args.seconds, args.profile)
    if args.before.exists() and args.before != args.output:
        before = json.loads(args.before.read_text())
        results["before"] = {key: before[key] for key in BEFORE_KEYS if key in before}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    draw(results, args.output.with_suffix(".png"))
    if "hot_product" in results:
        draw_hot(results["hot_product"], args.output.parent / "hot-product.png")
    if "cost" in results:
        draw_cost(results, args.output.parent / "cost.png")
    report(results)
    if "cost" in results:
        report_cost(results)
    progress(f"written to {args.output} and {args.output.with_suffix('.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
