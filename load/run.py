"""Running locust headless against a gateway and reading back what it measured."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


@dataclass(frozen=True)
class LoadProfile:
    users: int
    spawn_rate: float
    seconds: int


@dataclass(frozen=True)
class LoadResult:
    requests: int
    failures: int
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    status_classes: dict[str, int]

    @property
    def server_errors(self) -> int:
        return self.status_classes.get("5xx", 0)

    @property
    def server_error_codes(self) -> dict[int, int]:
        """Each exact 5xx status answered and how often, e.g. {503: 12}."""
        return {int(key): count for key, count in self.status_classes.items() if key.isdigit()}

    def as_dict(self) -> dict[str, object]:
        return {**self.__dict__, "server_errors": self.server_errors}


SCENARIOS = {
    "sale": ["Shopper"],
    # Most buyers on one product: four HotProductBuyer users to each Shopper (their weights).
    "hot-product": ["Shopper", "HotProductBuyer"],
    # Most shoppers viewing one product, some buying it: four PageViewer users to each buyer.
    "hot-page": ["PageViewer", "HotProductBuyer"],
}
PAGE_REQUEST_PREFIX = "page-"
PAGE_ROUTE = "GET /products/<id:product_id>"


def run_locust(
    host: str, profile: LoadProfile, hot_products: list[str], workdir: Path, scenario: str = "sale"
) -> LoadResult:
    """Ramp `profile.users` users of `scenario` up at `spawn_rate` a second; keep them `seconds`."""
    workdir.mkdir(parents=True, exist_ok=True)
    tally = workdir / "status-classes.json"
    command = [
        sys.executable, "-m", "locust",
        "-f", str(LOCUSTFILE),
        "--headless",
        "--host", host,
        "--users", str(profile.users),
        "--spawn-rate", str(profile.spawn_rate),
        "--run-time", f"{profile.seconds}s",
        "--stop-timeout", "10",
        "--csv", str(workdir / "locust"),
        "--only-summary",
        "--exit-code-on-error", "0",
        *SCENARIOS[scenario],
    ]  # fmt: skip
    environment = {
        "LOAD_HOT_PRODUCTS": ",".join(hot_products),
        "LOAD_TALLY_PATH": str(tally),
        "LOAD_PAGE_REQUEST_PREFIX": PAGE_REQUEST_PREFIX,
    }
    result = subprocess.run(  # noqa: S603 - our own command line
        command,
        env={**_inherited_environment(), **environment},
        capture_output=True,
        text=True,
        timeout=profile.seconds + 120,
        check=False,
    )
    (workdir / "locust.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"locust failed ({result.returncode}); see {workdir / 'locust.log'}")
    with (workdir / "locust_stats.csv").open(newline="") as stats:
        total = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    return LoadResult(
        requests=int(total["Request Count"]),
        failures=int(total["Failure Count"]),
        requests_per_second=round(float(total["Requests/s"]), 1),
        p50_ms=float(total["50%"]),
        p95_ms=float(total["95%"]),
        p99_ms=float(total["99%"]),
        status_classes=json.loads(tally.read_text()),
    )


def page_views(status_classes: dict[str, int], products_log: Path) -> dict[str, float]:
    """The page views' 304 share (from locust's tally) and the DynamoDB reads and read units each
    view cost the products service (from its EMF lines for the views' request ids)."""
    shown, unchanged = status_classes.get("page_200", 0), status_classes.get("page_304", 0)
    views = reads = 0
    units = 0.0
    for line in products_log.read_text().splitlines():
        if not line.startswith('{"_aws"'):
            continue
        document = json.loads(line)
        if document.get("Route") == PAGE_ROUTE and str(document.get("request_id")).startswith(
            PAGE_REQUEST_PREFIX
        ):
            views += 1
            reads += document["DynamoDBCalls"]
            units += document["ConsumedReadCapacity"]
    return {
        "views": shown + unchanged,
        "not_modified_share": round(unchanged / (shown + unchanged), 3) if shown + unchanged else 0.0,
        "views_reaching_products": views,
        "dynamodb_reads_per_view": round(reads / views, 3) if views else 0.0,
        "read_units_per_view": round(units / views, 3) if views else 0.0,
    }


def _inherited_environment() -> dict[str, str]:
    import os

    return dict(os.environ)
