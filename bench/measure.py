"""Timing pairs of operations interleaved, so machine noise hits both sides of a ratio alike."""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Latencies:
    """Milliseconds of repeated runs of one operation."""

    samples: list[float]

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def summary(self) -> dict[str, float]:
        return {
            "p50_ms": round(self.percentile(0.50), 3),
            "p99_ms": round(self.percentile(0.99), 3),
            "mean_ms": round(statistics.fmean(self.samples), 3),
            "runs": len(self.samples),
        }


def timed(operation: Callable[[], Any]) -> float:
    started = time.perf_counter()
    operation()
    return (time.perf_counter() - started) * 1000


def compare(
    service: Callable[[], Any], raw: Callable[[], Any], runs: int, warmup: int = 30
) -> dict[str, Any]:
    """p50/p99 of `service` and `raw`, alternated run by run, and the ratio of their p50s."""
    for _ in range(warmup):
        service()
        raw()
    service_ms, raw_ms = [], []
    for _ in range(runs):
        service_ms.append(timed(service))
        raw_ms.append(timed(raw))
    service_summary, raw_summary = Latencies(service_ms).summary(), Latencies(raw_ms).summary()
    return {
        "service": service_summary,
        "raw": raw_summary,
        "p50_ratio": round(service_summary["p50_ms"] / raw_summary["p50_ms"], 3),
    }


def emf_capacity(log_paths: list[Path], request_ids: list[str]) -> list[Decimal]:
    """Capacity units each request consumed, summed over the services' EMF lines for its id."""
    wanted = set(request_ids)
    units: dict[str, Decimal] = defaultdict(Decimal)
    for path in log_paths:
        for line in path.read_text().splitlines():
            if not line.startswith('{"_aws"'):
                continue
            document = json.loads(line)
            if document.get("request_id") in wanted:
                units[document["request_id"]] += Decimal(str(document["ConsumedReadCapacity"]))
                units[document["request_id"]] += Decimal(str(document["ConsumedWriteCapacity"]))
    return [units[request_id] for request_id in request_ids]


def median(values: list[Decimal]) -> float:
    return float(sorted(values)[len(values) // 2])
