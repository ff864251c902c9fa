"""A stack of its own for each fault module, so restarting DynamoDB or killing a service never
disturbs another tier's session stack.

DynamoDB Local keeps its data in a temporary directory (it can be stopped and started again with
its tables); products, cart, orders and the gateway run under gunicorn on free ports, orders with a
short checkout lease. A module chooses where fault proxies sit with a module-level `FAULT_STACK`.
Each test runs a short sale through the gateway (locust, in a background thread) while it injects
its fault, then checks that the stack healed by itself and the shop's books balance.
"""

from __future__ import annotations

import csv
import json
import re
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable, Generator, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack import (
    SERVICES,
    DevKeys,
    DynamoDBLocal,
    ServiceProcess,
    StackEnvironment,
    ensure_jar,
    free_port,
    mint_service_token,
    mint_token,
    shop_tables,
)
from devstack.faults import FaultProxy
from dynamo_common import DynamoSettings, create_tables, make_client
from load.audit import Audit, audit
from load.run import LoadProfile, LoadResult, run_locust
from load.shop import create_hot_products, settle_orders
from orders_service.table import TABLE_SPEC as ORDERS_TABLE

REPO_ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = "3"
# The locustfile's shoppers are `load-…`; the check-out after each fault uses the same prefix, so
# its order and reservation are audited with the rest.
USER_PREFIX = "load-"
SALE = LoadProfile(users=15, spawn_rate=5, seconds=20)
HOT_PRODUCTS, HOT_STOCK = 3, 50
# Every sale's products are split over stock shards, so each fault is also met with shards on.
HOT_SHARDS = 4
HEAL_SECONDS = 60
# DynamoDB Local keeps its tables in SQLite, which syncs every write: on a disk that makes the
# whole shop several times slower. A RAM disk still outlives a restart of DynamoDB Local.
RAM_DISK = Path("/dev/shm")
ALLOWED_DURING_FAULTS = {503}
# The only failures a shopper may meet during a fault, as locust reports them: a 503 with
# Retry-After (come back shortly), on any call or on the checkout, which judges its own answers.
# Anything else (a 4xx the shop should not answer, a task that raised) fails the test.
ALLOWED_LOCUST_FAILURES = (
    re.compile(r"^HTTPError\('503 Server Error"),
    re.compile(r"^CatchResponseError\('checkout answered 503:"),
)


@dataclass(frozen=True)
class Sale:
    """What the shoppers of one sale met: locust's tally, and each failure and task exception."""

    load: LoadResult
    failures: list[dict[str, str]]
    exceptions: list[dict[str, str]]

    @classmethod
    def read(cls, load: LoadResult, workdir: Path) -> Sale:
        return cls(
            load, _csv_rows(workdir / "locust_failures.csv"), _csv_rows(workdir / "locust_exceptions.csv")
        )

    @property
    def unexpected_failures(self) -> list[dict[str, str]]:
        return [
            row
            for row in self.failures
            if not any(allowed.search(row["Error"]) for allowed in ALLOWED_LOCUST_FAILURES)
        ]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as rows:
        return list(csv.DictReader(rows))


@dataclass(frozen=True)
class StackOptions:
    """Where a module's fault proxies sit, and extra variables for the orders service."""

    dynamodb_proxy: bool = False  # every service reaches DynamoDB through a FaultProxy
    products_proxy: bool = False  # orders reaches products through a FaultProxy
    orders_variables: Mapping[str, str] = field(default_factory=dict)


def wait_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> None:
    """Poll `condition` until it holds; fail the test, saying `what` was awaited, at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            pytest.fail(f"{what}: not within {timeout:g} s", pytrace=False)
        time.sleep(interval)


def answers(url: str, status: int, **kwargs: Any) -> bool:
    try:
        return requests.get(url, timeout=2, **kwargs).status_code == status
    except requests.RequestException:
        return False


class FaultStack:
    """DynamoDB Local with its data on disk, the four services, and the module's fault proxies."""

    def __init__(self, options: StackOptions, keys: DevKeys, log_dir: Path, data_dir: Path):
        self.options = options
        self.keys = keys
        self.log_dir = log_dir
        self.engine = DynamoDBLocal(
            log_path=log_dir / "dynamodb.log", data_dir=data_dir, jar=ensure_jar(REPO_ROOT)
        )
        self.settings = DynamoSettings(endpoint_url=self.engine.endpoint_url, table_prefix="faults-")
        self.client = make_client(self.settings)
        self.urls = {spec.name: f"http://127.0.0.1:{free_port()}" for spec in SERVICES}
        self.services: dict[str, ServiceProcess] = {}
        self.dynamodb_proxy: FaultProxy | None = None
        self.products_proxy: FaultProxy | None = None
        self.hot: dict[str, int] = {}  # every product sold in this module, with its initial stock
        self._cursor_secret = secrets.token_urlsafe(32)

    def start(self, resources: ExitStack) -> None:
        self.engine.start()
        resources.callback(self.engine.stop)
        create_tables(self.client, self.settings.table_prefix, shop_tables())
        endpoint = self.engine.endpoint_url
        if self.options.dynamodb_proxy:
            self.dynamodb_proxy = resources.enter_context(FaultProxy(endpoint))
            endpoint = self.dynamodb_proxy.url
        if self.options.products_proxy:
            self.products_proxy = resources.enter_context(FaultProxy(self.urls["products"]))
        services_variables = self._environment(endpoint).variables()
        for spec in SERVICES:
            variables = dict(services_variables)
            if spec.name == "orders":
                variables["SHOPSMART_CHECKOUT_LEASE_SECONDS"] = LEASE_SECONDS
                variables.update(self.options.orders_variables)
                if self.products_proxy is not None:
                    variables["SHOPSMART_PRODUCTS_URL"] = self.products_proxy.url
            service = ServiceProcess(
                spec.name,
                spec.module,
                env=variables,
                log_path=self.log_dir / f"{spec.name}.log",
                port=int(self.urls[spec.name].rsplit(":", 1)[1]),
                cwd=REPO_ROOT,
            )
            service.start()
            resources.callback(service.stop)
            self.services[spec.name] = service

    @property
    def gateway(self) -> str:
        return self.urls["gateway"]

    @property
    def recovery_variables(self) -> dict[str, str]:
        """The orders service's environment for `flask recover`, straight to DynamoDB and products."""
        return {
            **self._environment(self.engine.endpoint_url).variables(),
            "SHOPSMART_CHECKOUT_LEASE_SECONDS": LEASE_SECONDS,
        }

    def headers(self, user_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(user_id, keys=self.keys)}"}

    def orders_placed(self) -> int:
        return self.client.scan(TableName=self.settings.table_name(ORDERS_TABLE), Select="COUNT")["Count"]

    def wait_for_orders(self, count: int, since: int) -> None:
        """Wait until the sale has placed `count` more orders than `since`: checkouts are flowing."""
        wait_until(lambda: self.orders_placed() >= since + count, 30, f"{count} orders placed")

    def gateway_log_size(self) -> int:
        return (self.log_dir / "gateway.log").stat().st_size

    def gateway_answers(self, status: int, since: int) -> int:
        """How many requests the gateway answered with `status` since its log was `since` bytes
        long, read from the metrics line it writes for every request."""
        with (self.log_dir / "gateway.log").open("rb") as log:
            log.seek(since)
            lines = log.read().splitlines()
        answered = 0
        for line in lines:
            if b'"StatusCode"' not in line:
                continue
            try:
                document = json.loads(line)
            except ValueError:
                continue
            answered += document.get("Service") == "gateway" and document.get("StatusCode") == status
        return answered

    def wait_until_shoppers_meet_it(self, since: int, probes: int) -> None:
        """Keep a fault on until the gateway has answered a shopper (beyond the test's own
        `probes`) with 503 since its log was `since` bytes long: however fast the machine, or
        however well retries absorb the fault, it reaches the sale."""
        wait_until(
            lambda: self.gateway_answers(503, since) > probes, 30, "a shopper answered 503 during the fault"
        )

    def sale(self, fault: Callable[[int], None], workdir: Path) -> Sale:
        """A short sale of fresh hot products; `fault(orders before the sale)` runs meanwhile."""
        category = f"Sale {uuid.uuid4().hex[:6]}"
        hot = create_hot_products(
            self.urls["products"], self.keys, category, HOT_PRODUCTS, HOT_STOCK, shards=HOT_SHARDS
        )
        self.hot.update(hot)
        before = self.orders_placed()
        with ThreadPoolExecutor(max_workers=1) as pool:
            load = pool.submit(run_locust, self.gateway, SALE, list(hot), workdir)
            try:
                fault(before)
            finally:
                result = load.result(timeout=SALE.seconds + 150)
        return Sale.read(result, workdir)

    def wait_until_healed(self) -> None:
        """Every service answers /health/ready with 200 again, with no help from the test."""
        for name, url in self.urls.items():
            wait_until(lambda url=url: answers(f"{url}/health/ready", 200), HEAL_SECONDS, f"{name} ready")

    def settle_and_audit(self) -> Audit:
        settle_orders(self.recovery_variables, self.client, self.settings, USER_PREFIX)
        return audit(self.client, self.settings, self.hot, USER_PREFIX)

    def new_products(self, count: int, stock: int) -> list[str]:
        """`count` new products with `stock` units each, audited with the module's others."""
        created = create_hot_products(self.urls["products"], self.keys, "Fault probes", count, stock)
        self.hot.update(created)
        return list(created)

    def fresh_checkout(self) -> dict[str, Any]:
        """A new shopper buys one unit of a new product through the gateway; the order answered."""
        [product_id] = self.new_products(1, stock=5)
        shopper = self.headers(f"{USER_PREFIX}check-{uuid.uuid4().hex[:8]}")
        added = requests.post(
            f"{self.gateway}/cart/items",
            json={"product_id": product_id, "quantity": 1},
            headers=shopper,
            timeout=10,
        )
        assert added.status_code in (200, 201), added.text
        shown = requests.get(f"{self.gateway}/cart", headers=shopper, timeout=10)
        assert shown.status_code == 200, shown.text
        placed = requests.post(
            f"{self.gateway}/orders",
            headers={**shopper, "Idempotency-Key": uuid.uuid4().hex},
            json={"cart_version": shown.json()["version"]},
            timeout=30,
        )
        assert placed.status_code == 201, placed.text
        return placed.json()

    def assert_recovered(self, sale: Sale) -> None:
        """The checks every fault ends with: shoppers met the fault as 503s and nothing else (no
        500, no unexpected 4xx, no task that raised); then healed, settled, audited clean, open."""
        result = sale.load
        assert result.requests > 100, result
        assert set(result.server_error_codes) <= ALLOWED_DURING_FAULTS, result.status_classes
        assert result.server_error_codes.get(503), (
            "the fault never reached a shopper",
            result.status_classes,
        )
        assert not sale.unexpected_failures, sale.unexpected_failures
        assert not sale.exceptions, sale.exceptions
        assert not {"connection_error", "0xx"} & set(result.status_classes), result.status_classes
        self.wait_until_healed()
        report = self.settle_and_audit()
        assert report.clean, report
        assert sum(report.sold.values()) > 0, report
        assert report.shards_audited >= HOT_PRODUCTS * (HOT_SHARDS - 1), report
        order = self.fresh_checkout()
        assert order["status"] == "CONFIRMED", order
        assert self.settle_and_audit().clean

    def _environment(self, endpoint_url: str) -> StackEnvironment:
        return StackEnvironment(
            endpoint_url=endpoint_url,
            table_prefix=self.settings.table_prefix,
            jwks_url=self.keys.jwks_url,
            cursor_secret=self._cursor_secret,
            service_token=mint_service_token(self.keys),
            dev_signing_key_dir=self.keys.directory,
            region=self.settings.region,
            service_urls=self.urls,
        )


_STACKS = pytest.StashKey[list[FaultStack]]()


@pytest.fixture(scope="module")
def fault_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, signing_keys: DevKeys
) -> Iterator[FaultStack]:
    """The module's own stack, built as its `FAULT_STACK` options say; stopped after the module."""
    options = getattr(request.module, "FAULT_STACK", StackOptions())
    root = tmp_path_factory.mktemp("faults")
    stacks = request.config.stash.setdefault(_STACKS, [])
    with ExitStack() as resources:
        data_dir = root / "dynamodb-data"
        if RAM_DISK.is_dir():
            data_dir = Path(resources.enter_context(tempfile.TemporaryDirectory(dir=RAM_DISK)))
        stack = FaultStack(options, signing_keys, root / "logs", data_dir)
        stack.start(resources)
        stacks.append(stack)
        yield stack
        stacks.remove(stack)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed fault test's report ends with the last lines of each of its stack's logs."""
    report = yield
    if report.failed:
        for stack in item.config.stash.get(_STACKS, []):
            for server in [stack.engine, *stack.services.values()]:
                report.sections.append((f"{server.log_path.name} (last lines)", server.log_tail()))
    return report
