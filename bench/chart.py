"""bench/results.png: latency beside its floors, and a sale's throughput with its CPU per checkout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SIDES = (
    ("service", "through the service"),
    ("peer", "minimal Flask + boto3 peer"),
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
    sides = [("services", throughput["services"]), ("raw calls", throughput["raw_calls"])]
    if before:
        sides = [
            (f"services before\n(x{before['throughput_ratio']} of its raw)", before["services"]),
            (f"services after\n(x{throughput['throughput_ratio']} of its raw)", throughput["services"]),
            ("raw calls", throughput["raw_calls"]),
        ]
    positions = range(len(sides))
    rates = [figures["checkouts_per_second"] for _, figures in sides]
    axes.bar(
        [p - 0.15 for p in positions],
        rates,
        width=0.45,
        color=["tab:gray", "tab:blue", "tab:green"][-len(sides) :],
    )
    axes.set_xticks(list(positions), [name for name, _ in sides], fontsize=7)
    axes.set_ylabel("checkouts/s")
    axes.set_title(f"{throughput['buyers']} buyers: x{throughput['throughput_ratio']} of the raw calls")
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
