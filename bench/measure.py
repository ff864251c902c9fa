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


def expect_status(
    http: Any, status: int, method: str, url: str, headers: dict[str, str], body: str | None = None
) -> None:
    """Send one request with the urllib3 pool `http`; anything but `status` stops the benchmark."""
    response = http.request(method, url, headers=headers, body=body)
    if response.status != status:
        raise RuntimeError(f"{method} {url} answered {response.status}: {response.data[:300]!r}")


def confirmed_cart(http: Any, cart_url: str, headers: dict[str, str]) -> str:
    """The body of a checkout confirming the cart as `GET /cart` shows it now (its version)."""
    response = http.request("GET", f"{cart_url}/cart", headers=headers)
    if response.status != 200:
        raise RuntimeError(f"GET {cart_url}/cart answered {response.status}: {response.data[:300]!r}")
    return json.dumps({"cart_version": json.loads(response.data)["version"]})


def timed(operation: Callable[[], Any]) -> float:
    started = time.perf_counter()
    operation()
    return (time.perf_counter() - started) * 1000


def compare(
    service: Callable[[], Any],
    raw: Callable[[], Any],
    runs: int,
    warmup: int = 30,
    peer: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """p50/p99 of `service`, `raw` (and `peer`), alternated run by run, and the ratios of p50s."""
    sides = {"service": service, "raw": raw} | ({"peer": peer} if peer else {})
    for _ in range(warmup):
        for operation in sides.values():
            operation()
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(runs):
        for name, operation in sides.items():
            samples[name].append(timed(operation))
    figures: dict[str, Any] = {name: Latencies(values).summary() for name, values in samples.items()}
    figures["p50_ratio"] = round(figures["service"]["p50_ms"] / figures["raw"]["p50_ms"], 3)
    if peer:
        figures["peer_p50_ratio"] = round(figures["service"]["p50_ms"] / figures["peer"]["p50_ms"], 3)
    return figures


@dataclass(frozen=True)
class RequestCost:
    """What one request cost DynamoDB, summed over every service call carrying its request id."""

    capacity_units: Decimal
    calls: int


def emf_costs(log_paths: list[Path], request_ids: list[str]) -> list[RequestCost]:
    """Capacity units and DynamoDB calls of each request, from the services' EMF lines for its id."""
    wanted = set(request_ids)
    units: dict[str, Decimal] = defaultdict(Decimal)
    calls: dict[str, int] = defaultdict(int)
    for path in log_paths:
        for line in path.read_text().splitlines():
            if not line.startswith('{"_aws"'):
                continue
            document = json.loads(line)
            request_id = document.get("request_id")
            if request_id in wanted:
                units[request_id] += Decimal(str(document["ConsumedReadCapacity"]))
                units[request_id] += Decimal(str(document["ConsumedWriteCapacity"]))
                calls[request_id] += int(document["DynamoDBCalls"])
    return [RequestCost(units[request_id], calls[request_id]) for request_id in request_ids]


def emf_capacity(log_paths: list[Path], request_ids: list[str]) -> list[Decimal]:
    """Capacity units each request consumed, summed over the services' EMF lines for its id."""
    return [cost.capacity_units for cost in emf_costs(log_paths, request_ids)]


def median(values: list[Decimal]) -> float:
    return float(sorted(values)[len(values) // 2])
