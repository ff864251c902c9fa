"""Throughput of a sale: N buyers, each adding a line, looking at the cart and checking out, as
fast as they can, through the services and through the three-app peer (`bench.peer`: the same
hops and guarantees, nothing else).

The same number of threads then issue the raw DynamoDB calls of that one-line checkout (the cart
put and the saga's minimal calls, see `checkout.CheckoutBench.raw_checkout`) on the same
DynamoDB Local. The three sides alternate in rounds, so all see the same machine. Besides
checkouts/s and latency, each side's server CPU per checkout is read from /proc for the process
groups that serve it (gunicorn master + workers of each service or peer app, DynamoDB Local's
java): CPU time holds up on a busy machine where wall time does not.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import urllib3

from bench.checkout import CheckoutBench
from bench.cpu import ServerCpu, machine_load
from bench.measure import Latencies, confirmed_cart, emf_costs, expect_status, median
from bench.stack import PEER_PROCESSES
from devstack import mint_token
from dynamo_common import metered

DEFAULT_BUYERS = 16
DEFAULT_SECONDS = 20.0
ROUNDS = 2
WARM_UP_SECONDS = 3.0


@dataclass
class SideTally:
    """Everything one side's buyers did, over all its rounds."""

    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    request_ids: list[str] = field(default_factory=list)
    capacity_units: list[Decimal] = field(default_factory=list)
    dynamodb_calls: list[int] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_cpu(self, used: dict[str, float]) -> None:
        for name, seconds in used.items():
            self.cpu_seconds[name] = self.cpu_seconds.get(name, 0.0) + seconds

    def figures(self, servers: frozenset[str]) -> dict[str, Any]:
        """The side's figures; its server CPU is that of the processes in `servers`."""
        checkouts = len(self.latencies_ms)
        per_process = {
            name: round(seconds * 1000 / checkouts, 2)
            for name, seconds in sorted(self.cpu_seconds.items())
            if name in servers
        }
        return {
            "checkouts": checkouts,
            "seconds": round(self.seconds, 2),
            "checkouts_per_second": round(checkouts / self.seconds, 1),
            "latency": Latencies(self.latencies_ms).summary(),
            "server_cpu_ms_per_checkout": {
                "total": round(sum(per_process.values()), 2),
                "python_services": round(
                    sum(ms for name, ms in per_process.items() if name != "dynamodb"), 2
                ),
                "by_process": per_process,
            },
            # Unknown for the peer, which emits nothing: the cost part meters a peer of its own.
            "dynamodb_calls_per_checkout": (
                median([Decimal(calls) for calls in self.dynamodb_calls]) if self.dynamodb_calls else None
            ),
            "capacity_units_per_checkout": median(self.capacity_units) if self.capacity_units else None,
        }


class ThroughputBench:
    """Services, peer and raw calls at `buyers` concurrent buyers, `seconds` for each side."""

    def __init__(
        self, checkout: CheckoutBench, buyers: int = DEFAULT_BUYERS, seconds: float = DEFAULT_SECONDS
    ):
        self.checkout = checkout
        self.stack = checkout.stack
        self.buyers = buyers
        self.seconds = seconds
        self.cpu = ServerCpu(self.stack.pids)
        self.http = urllib3.PoolManager(maxsize=buyers, timeout=30.0)
        self.product_ids = list(checkout.catalogue)

    def run(self) -> dict[str, Any]:
        services, peer, raw = SideTally(), SideTally(), SideTally()
        sides = [(services, self._service_buyer), (peer, self._peer_buyer), (raw, self._raw_buyer)]
        # Unmeasured first: DynamoDB Local's JIT compiles the checkout's paths for whichever side
        # comes first, and would bill that side for it.
        for _, buyer in sides:
            self._round(SideTally(), buyer, WARM_UP_SECONDS)
        load_before = machine_load()
        for number in range(ROUNDS):
            # Each side first in turn, so a drift in the machine's load favours none.
            for tally, buyer in sides[number % len(sides) :] + sides[: number % len(sides)]:
                self._round(tally, buyer, self.seconds / ROUNDS)
        costs = emf_costs(self.stack.service_logs, services.request_ids)
        services.capacity_units = [cost.capacity_units for cost in costs]
        services.dynamodb_calls = [cost.calls for cost in costs]
        service_servers = frozenset({*self.stack.urls, "dynamodb"})
        service_figures = services.figures(service_servers)
        peer_figures = peer.figures(PEER_PROCESSES | {"dynamodb"})
        raw_figures = raw.figures(frozenset({"dynamodb"}))
        return {
            "buyers": self.buyers,
            "seconds_per_side": self.seconds,
            "machine_before": load_before,
            "machine_after": machine_load(),
            "services": service_figures,
            "peer": peer_figures,
            "raw_calls": raw_figures,
            "throughput_ratio": _ratio(service_figures, raw_figures, "checkouts_per_second"),
            "services_to_peer": {
                "throughput": _ratio(service_figures, peer_figures, "checkouts_per_second"),
                "server_cpu_per_checkout": round(
                    service_figures["server_cpu_ms_per_checkout"]["total"]
                    / peer_figures["server_cpu_ms_per_checkout"]["total"],
                    3,
                ),
                "python_cpu_per_checkout": round(
                    service_figures["server_cpu_ms_per_checkout"]["python_services"]
                    / peer_figures["server_cpu_ms_per_checkout"]["python_services"],
                    3,
                ),
                "p50": round(service_figures["latency"]["p50_ms"] / peer_figures["latency"]["p50_ms"], 3),
            },
        }

    def _round(
        self, tally: SideTally, buyer: Callable[[int, float, SideTally], None], seconds: float
    ) -> None:
        before = self.cpu.snapshot()
        started = time.perf_counter()
        deadline = time.monotonic() + seconds

        def buy(number: int) -> None:
            try:
                buyer(number, deadline, tally)
            except Exception as exc:
                with tally.lock:
                    tally.errors.append(exc)

        threads = [threading.Thread(target=buy, args=(number,), daemon=True) for number in range(self.buyers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        tally.seconds += time.perf_counter() - started
        tally.add_cpu(self.cpu.snapshot().since(before))
        if tally.errors:
            raise RuntimeError(f"{len(tally.errors)} buyers failed; the first: {tally.errors[0]}")

    def _service_buyer(self, number: int, deadline: float, tally: SideTally) -> None:
        self._buyer(self.stack.urls, f"buyer-{number}", deadline, tally)

    def _peer_buyer(self, number: int, deadline: float, tally: SideTally) -> None:
        self._buyer(self.stack.peer_urls, f"peer-buyer-{number}", deadline, tally)

    def _buyer(self, urls: dict[str, str], name: str, deadline: float, tally: SideTally) -> None:
        """Purchases through `urls` (the services' or the peer's), as the same shopper would."""
        user_id = f"{name}-{uuid.uuid4().hex[:8]}"
        token = mint_token(user_id, keys=self.stack.keys)
        while time.monotonic() < deadline:
            request_id = uuid.uuid4().hex
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "X-Request-ID": request_id,
            }
            line = json.dumps({"product_id": random.choice(self.product_ids), "quantity": 1})
            started = time.perf_counter()
            expect_status(self.http, 200, "POST", f"{urls['cart']}/cart/items", headers, line)
            # A buyer looks at the cart, then confirms it: the view is part of the purchase.
            confirmed = confirmed_cart(self.http, urls["cart"], headers)
            expect_status(
                self.http,
                201,
                "POST",
                f"{urls['orders']}/orders",
                {**headers, "Idempotency-Key": uuid.uuid4().hex},
                confirmed,
            )
            elapsed = (time.perf_counter() - started) * 1000
            with tally.lock:
                tally.latencies_ms.append(elapsed)
                tally.request_ids.append(request_id)

    def _raw_buyer(self, number: int, deadline: float, tally: SideTally) -> None:
        user_id = f"raw-buyer-{number}-{uuid.uuid4().hex[:8]}"
        while time.monotonic() < deadline:
            product_id = random.choice(self.product_ids)
            started = time.perf_counter()
            with metered() as meter:
                self.checkout.raw_checkout(user_id, [product_id])
            elapsed = (time.perf_counter() - started) * 1000
            with tally.lock:
                tally.latencies_ms.append(elapsed)
                tally.capacity_units.append(meter.total_units)
                tally.dynamodb_calls.append(meter.calls)


def _ratio(numerator: dict[str, Any], denominator: dict[str, Any], figure: str) -> float:
    return round(numerator[figure] / denominator[figure], 3)
