"""bench/results.png: latency beside its floors, and a sale's throughput with its CPU per checkout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench.pages import EDGE_ONLY, NO_CDN, SHIELDED, origin_reads_per_second

SIDES = (
    ("service", "through the service"),
    ("peer", "three-app Flask + boto3 peer"),
    ("raw", "raw DynamoDB calls"),
)


def _latency(axes: Any, results: dict[str, Any]) -> None:
    pairs = list(results.get("scenarios", {}).items())
    pairs += [(f"checkout {lines}", figures) for lines, figures in results.get("checkout", {}).items()]
    names = [name.replace("_", " ") for name, _ in pairs]
    width = 0.8 / len(SIDES)
    for offset, (side, label) in enumerate(SIDES):
        values = [
            (figures.get(side) or figures.get("raw_minimal_calls" if side == "raw" else side) or {}).get(
                "p50_ms", 0
            )
            for _, figures in pairs
        ]
        axes.bar([p + (offset - 1) * width for p in range(len(pairs))], values, width=width, label=label)
    for position, (_, figures) in enumerate(pairs):
        label = f"x{figures['peer_p50_ratio']:.2f} peer" if "peer_p50_ratio" in figures else ""
        axes.annotate(
            f"{label}\nx{figures['p50_ratio']:.2f} raw",
            (position, figures["service"]["p50_ms"]),
            ha="center",
            va="bottom",
            fontsize=7,
        )
    axes.set_yscale("log")
    axes.set_xticks(range(len(names)), names, rotation=20, ha="right")
    axes.set_ylabel("p50 latency, ms (log)")
    axes.set_title("one request at a time")
    axes.legend(fontsize=7)


def _throughput(axes: Any, throughput: dict[str, Any], before: dict[str, Any] | None) -> None:
    to_peer = throughput.get("services_to_peer")
    sides = [("services", throughput["services"])]
    if to_peer:
        sides.append(("three-app peer", throughput["peer"]))
    sides.append(("raw calls", throughput["raw_calls"]))
    if before:
        sides.insert(0, (f"services before\n(x{before['throughput_ratio']} of its raw)", before["services"]))
    positions = range(len(sides))
    rates = [figures["checkouts_per_second"] for _, figures in sides]
    axes.bar(
        [p - 0.15 for p in positions],
        rates,
        width=0.45,
        color=["tab:gray", "tab:blue", "tab:orange", "tab:green"][-len(sides) :],
    )
    axes.set_xticks(list(positions), [name for name, _ in sides], fontsize=7)
    axes.set_ylabel("checkouts/s")
    title = f"{throughput['buyers']} buyers: services x{throughput['throughput_ratio']} of the raw calls"
    if to_peer:
        title += (
            f"\nservices / peer: throughput x{to_peer['throughput']}, "
            f"CPU per purchase x{to_peer['server_cpu_per_checkout']}, p50 x{to_peer['p50']}"
        )
    axes.set_title(title, fontsize=9)
    cpu_axes = axes.twinx()
    for position, (_, figures) in enumerate(sides):
        bottom = 0.0
        for name, ms in figures["server_cpu_ms_per_checkout"]["by_process"].items():
            cpu_axes.bar(position + 0.2, ms, width=0.2, bottom=bottom, alpha=0.6)
            if ms >= 1:
                cpu_axes.annotate(f"{name} {ms}", (position + 0.31, bottom + ms / 2), fontsize=6, va="center")
            bottom += ms
    cpu_axes.set_ylabel("server CPU ms per checkout (stacked by process)")


def draw(results: dict[str, Any], path: Path) -> None:
    panels = 2 if "throughput" in results else 1
    figure, axes = plt.subplots(1, panels, figsize=(7 * panels, 4.8), squeeze=False)
    _latency(axes[0][0], results)
    if "throughput" in results:
        _throughput(axes[0][1], results["throughput"], results.get("before", {}).get("throughput"))
    figure.suptitle(f"ShopSmart on DynamoDB Local, {results['measured_at']}")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def draw_hot(hot: dict[str, Any], path: Path) -> None:
    """bench/hot-product.png: checkouts/s one product sustains by stock shards, against the target."""
    model, split = hot["model"], hot["recorded_runs"][str(max(map(int, hot["recorded_runs"])))]
    shards = list(model["checkouts_per_second_by_shards"])
    rates = list(model["checkouts_per_second_by_shards"].values())
    figure, axes = plt.subplots(figsize=(7, 4.5))
    bars = axes.bar([f"{count} shard{'s' if count != '1' else ''}" for count in shards], rates)
    axes.bar_label(bars, [f"{rate:,}/s" for rate in rates])
    axes.axhline(model["design_target_checkouts_per_second"], color="tab:red", linestyle="--")
    axes.annotate(
        f"design target {model['design_target_checkouts_per_second']:,} checkouts/s",
        (0, model["design_target_checkouts_per_second"]),
        xytext=(0, 4),
        textcoords="offset points",
        color="tab:red",
    )
    axes.set_ylabel("checkouts/s of one product")
    axes.set_title(
        f"One product under {model['item_write_units_per_second']:,} write units/s per item\n"
        f"recorded: {model['write_units_per_checkout_on_one_item']:g} units per checkout on one item; "
        f"split over {split['stock_shards']} shards locally, the hottest took "
        f"{split['hottest_item_share_of_writes']:.0%} of the writes",
        fontsize=9,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _purchase_units(axes: Any, cost: dict[str, Any]) -> None:
    """Each DynamoDB call of a purchase: its measured units beside the least its guarantee needs."""
    calls = cost["calls"]
    names = [f"{call['service']} {call['operation']}" for call in calls]
    positions = range(len(calls))
    axes.barh(
        [p + 0.2 for p in positions],
        [c["read_units"] + c["write_units"] for c in calls],
        0.4,
        label="measured",
    )
    axes.barh([p - 0.2 for p in positions], [c["minimum_units"] for c in calls], 0.4, label="design minimum")
    axes.set_yticks(list(positions), names, fontsize=7)
    axes.invert_yaxis()
    axes.set_xlabel("capacity units")
    bills = []
    for name, figures in [("services", cost), *([("peer", cost["peer"])] if "peer" in cost else [])]:
        bill = figures["per_1000_checkouts"]
        fargate = f" + Fargate \\${bill['fargate_usd']:.4f}" if "fargate_usd" in bill else ""
        bills.append(f"{name} DynamoDB \\${bill['dynamodb_usd']:.4f}{fargate}")
    axes.set_title(
        f"A purchase: {cost['capacity_units']:g} units, x{cost['ratio_to_minimum']} of the minimum "
        f"{cost['design_minimum_units']:g}\n"
        f"per 1,000 checkouts: " + "; ".join(bills),
        fontsize=9,
    )
    axes.legend(fontsize=7)


def _page_views(axes: Any, pages: dict[str, Any]) -> None:
    """Origin reads per second of one product against views per second, for each front."""
    views = [10**power for power in range(0, 8)]
    ttl = pages["max_age_seconds"]
    for front in (NO_CDN, EDGE_ONLY, SHIELDED):
        axes.loglog(
            views, [origin_reads_per_second(v, ttl, front) for v in views], label=f"{front.label}, {ttl} s"
        )
    axes.loglog(
        views, [origin_reads_per_second(v, 1, SHIELDED) for v in views], ":", label="Origin Shield, 1 s"
    )
    item_reads = pages["item_read_units_per_second"] / pages["recorded"]["read_units_per_origin_read"]
    axes.axhline(
        item_reads, color="tab:red", linestyle="--", label=f"one item's limit ({item_reads:,.0f} reads/s)"
    )
    axes.axhline(
        pages["target_origin_reads_per_second"], color="tab:green", linestyle="--", label="target: 10 reads/s"
    )
    axes.axvline(pages["views_per_second"], color="gray", linestyle=":")
    axes.set_xlabel("views/s of one product")
    axes.set_ylabel("origin reads/s")
    recorded = pages["recorded"]
    axes.set_title(
        f"One product page; recorded: {recorded['read_units_per_origin_read']:g} units per origin read, "
        f"{recorded['not_modified_share_of_revalidations']:.0%} of revalidations 304",
        fontsize=9,
    )
    axes.legend(fontsize=7)


def draw_cost(results: dict[str, Any], path: Path) -> None:
    """bench/cost.png: a purchase itemised against its design minimum, and a viral page's origin reads."""
    figure, axes = plt.subplots(1, 2, figsize=(15, 5.5))
    _purchase_units(axes[0], results["cost"])
    _page_views(axes[1], results["pages"])
    figure.suptitle(f"What a sale costs, {results['measured_at']} (units from DynamoDB Local)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
