"""bench/results.png: service and raw p50 side by side, with the ratio over each pair."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def draw(results: dict[str, Any], path: Path) -> None:
    pairs = [(name, figures) for name, figures in results["scenarios"].items() if "service" in figures]
    pairs += [
        (f"checkout {lines.replace('_', ' ')}", figures) for lines, figures in results["checkout"].items()
    ]
    names = [name.replace("_", " ") for name, _ in pairs]
    service = [figures["service"]["p50_ms"] for _, figures in pairs]
    raw = [figures.get("raw", figures.get("raw_minimal_calls"))["p50_ms"] for _, figures in pairs]
    positions = range(len(names))
    figure, axes = plt.subplots(figsize=(10, 4.5))
    axes.bar([p - 0.2 for p in positions], service, width=0.4, label="through the service")
    axes.bar([p + 0.2 for p in positions], raw, width=0.4, label="raw DynamoDB calls")
    for position, (_, figures) in zip(positions, pairs, strict=True):
        top = max(
            figures["service"]["p50_ms"], figures.get("raw", figures.get("raw_minimal_calls"))["p50_ms"]
        )
        axes.annotate(f"x{figures['p50_ratio']:.2f}", (position, top), ha="center", va="bottom")
    axes.set_yscale("log")
    axes.set_xticks(list(positions), names, rotation=20, ha="right")
    axes.set_ylabel("p50 latency, ms (log scale)")
    axes.set_title(f"ShopSmart on DynamoDB Local, {results['measured_at']}")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
