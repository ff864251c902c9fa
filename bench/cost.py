"""What a sale costs: each DynamoDB call of a purchase with its units and the guarantee it serves,
the design minimum with the guarantees, and the bill of 1,000 checkouts at on-demand prices, for
the services and for the three-app peer.

A purchase is what a buyer does in the throughput part: add a line to the cart, look at the cart,
check out. Its calls are read from the services' EMF lines (`DynamoDBCallLog`, one entry per call
in the order made) by the purchase's request id, so the itemisation is of the code as it runs. The
peer emits nothing, so its purchases run through a peer instance of their own that writes each
request's calls to a file (`bench.peer.PEER_UNITS_LOG`), never the one the throughput part times.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import urllib3

from bench.measure import confirmed_cart, expect_status
from bench.peer import PEER_UNITS_LOG, peer_apps
from bench.stack import BenchStack
from devstack import mint_token
from products_service.repository import ProductRepository
from products_service.seeding import seed, synthetic_products
from products_service.table import TABLE_SPEC as PRODUCTS_TABLE

PURCHASES = 12
WARM_UP = 2
# Published on-demand prices, us-east-1, read 2026-12-05 from aws.amazon.com/dynamodb/pricing/
# on-demand/ (after the November 2024 cut) and aws.amazon.com/fargate/pricing/ (Linux/x86).
PRICES = {
    "as_of": "2026-12-05",
    "region": "us-east-1",
    "dynamodb_usd_per_million_write_request_units": Decimal("0.625"),
    "dynamodb_usd_per_million_read_request_units": Decimal("0.125"),
    "fargate_usd_per_vcpu_hour": Decimal("0.04048"),
    "fargate_usd_per_gb_hour": Decimal("0.004445"),
}
# The services' tasks (terraform/modules/shop_service): 2 GB for each vCPU.
GB_PER_VCPU = Decimal(2)
# Fargate bills the reserved vCPU, busy or not; autoscaling keeps tasks near this CPU use.
TASK_CPU_UTILISATION = Decimal("0.5")
TARGET_MINIMUM_RATIO = 1.1


@dataclass(frozen=True)
class PurchaseCall:
    """One DynamoDB call made for a purchase: who made it, for which request, and its units."""

    service: str
    route: str
    operation: str
    table: str
    read_units: Decimal
    write_units: Decimal

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.service, self.route, self.operation, self.table)


def purchase_calls(log_paths: list[Path], request_id: str, table_prefix: str) -> list[PurchaseCall]:
    """Every DynamoDB call the services made for `request_id`, from their EMF lines, in the order of
    the lines (each service logs a request when it finishes, so a called service comes first)."""
    calls: list[tuple[int, int, PurchaseCall]] = []
    for path in log_paths:
        for line in path.read_text().splitlines():
            if not line.startswith('{"_aws"'):
                continue
            document = json.loads(line)
            if document.get("request_id") != request_id:
                continue
            stamp = document["_aws"]["Timestamp"]
            for position, (operation, tables, read, write) in enumerate(document.get("DynamoDBCallLog", [])):
                table = ",".join(name.removeprefix(table_prefix) for name in tables)
                call = PurchaseCall(
                    document["Service"],
                    document["Route"],
                    operation,
                    table,
                    Decimal(str(read)),
                    Decimal(str(write)),
                )
                calls.append((stamp, position, call))
    return [call for _, _, call in sorted(calls, key=lambda entry: (entry[0], entry[1]))]


def record_purchases(stack: BenchStack, purchases: int = PURCHASES) -> list[list[PurchaseCall]]:
    """`purchases` one-line purchases, one after another, each itemised from the EMF lines."""
    request_ids = _purchases(stack, stack.urls, "cost", purchases)
    prefix = stack.settings.table_prefix
    return [purchase_calls(stack.service_logs, rid, prefix) for rid in request_ids]


def record_peer_purchases(stack: BenchStack, purchases: int = PURCHASES) -> list[list[PurchaseCall]]:
    """The same purchases through a metered peer of their own, each itemised from its units file."""
    units_log = stack.log_dir / "peer-units.log"
    units_log.unlink(missing_ok=True)
    log_dir = stack.log_dir / "metered-peer"
    log_dir.mkdir(exist_ok=True)
    with peer_apps({**stack.peer_environment(), PEER_UNITS_LOG: str(units_log)}, log_dir) as urls:
        request_ids = _purchases(stack, urls, "peer-cost", purchases)
    prefix = stack.settings.table_prefix
    return [peer_purchase_calls(units_log, rid, prefix) for rid in request_ids]


def peer_purchase_calls(units_log: Path, request_id: str, table_prefix: str) -> list[PurchaseCall]:
    """Every DynamoDB call the peer apps made for `request_id`, in the order the requests ended
    (a called app ends first), each request's calls in the order made."""
    calls = []
    for line in units_log.read_text().splitlines():
        document = json.loads(line)
        if document["request_id"] != request_id:
            continue
        for operation, tables, read, write in document["calls"]:
            table = ",".join(name.removeprefix(table_prefix) for name in tables)
            calls.append(
                PurchaseCall(
                    f"peer {document['app']}",
                    document["route"],
                    operation,
                    table,
                    Decimal(read),
                    Decimal(write),
                )
            )
    return calls


def _purchases(stack: BenchStack, urls: dict[str, str], name: str, purchases: int) -> list[str]:
    """One-line purchases through `urls` (the services' or a peer's), after WARM_UP more; returns
    the request ids of the measured ones."""
    http = urllib3.PoolManager(maxsize=2, timeout=30.0)
    products = list(synthetic_products(20))
    seed(ProductRepository(stack.client, stack.settings.table_name(PRODUCTS_TABLE)), products)
    request_ids = []
    for number in range(WARM_UP + purchases):
        request_id = uuid.uuid4().hex
        token = mint_token(f"{name}-{number}-{uuid.uuid4().hex[:8]}", keys=stack.keys)
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "X-Request-ID": request_id,
        }
        line = json.dumps({"product_id": products[number % len(products)].product_id, "quantity": 1})
        expect_status(http, 200, "POST", f"{urls['cart']}/cart/items", headers, line)
        confirmed = confirmed_cart(http, urls["cart"], headers)
        checkout_headers = {**headers, "Idempotency-Key": uuid.uuid4().hex}
        expect_status(http, 201, "POST", f"{urls['orders']}/orders", checkout_headers, confirmed)
        request_ids.append(request_id)
    return request_ids[WARM_UP:]


def typical(purchases: list[list[PurchaseCall]]) -> list[PurchaseCall]:
    """The most common sequence of calls among the recorded purchases."""
    counts = Counter(tuple(purchase) for purchase in purchases)
    return list(counts.most_common(1)[0][0])


def itemised_table(calls: list[PurchaseCall]) -> list[dict[str, Any]]:
    return [
        {
            "service": call.service,
            "route": call.route,
            "operation": call.operation,
            "table": call.table,
            "read_units": float(call.read_units),
            "write_units": float(call.write_units),
        }
        for call in calls
    ]


@dataclass(frozen=True)
class Guarantee:
    """What one call of a purchase is for, the least it can cost and why."""

    serves: str
    minimum_units: Decimal
    why_minimum: str


ORDER_INDEX_NOTE = (
    "the other unit re-projects the order into its owner's list (UserOrdersIndex, projection ALL, "
    "named in the SPEC); recovery's index holds keys only"
)
# Each call of a one-line purchase, by (service, route, operation): the guarantee it serves and
# the least a design keeping that guarantee pays for it on the same items (≤ 1 KB, reads ≤ 4 KB:
# an eventually consistent read 0.5, a strong one 1, a write 1, a transactional item 2, and one
# more write per index entry that changes).
GUARANTEES: dict[tuple[str, str, str], Guarantee] = {
    ("products", "GET /products/<id:product_id>", "GetItem"): Guarantee(
        "a line is only added for a product that exists, at its current price",
        Decimal("0.5"),
        "one eventual read",
    ),
    ("cart", "POST /cart/items", "TransactWriteItems"): Guarantee(
        "the cart's version moves with every line, and holds at most 50 lines under any concurrency",
        Decimal("2"),
        "one transactional item, as measured",
    ),
    ("products", "GET /products", "BatchGetItem"): Guarantee(
        "the cart shown carries today's prices (the shopper confirms what they pay)",
        Decimal("0.5"),
        "one read",
    ),
    ("cart", "GET /cart", "Query"): Guarantee(
        "the cart shown includes the line just added (read-your-writes)", Decimal("1"), "one strong read"
    ),
    ("cart", "POST /internal/v1/carts/<id:user_id>/checkout-claims", "UpdateItem"): Guarantee(
        "the cart hold: one cart → one order, whatever the keys", Decimal("1"), "one conditional write"
    ),
    ("cart", "POST /internal/v1/carts/<id:user_id>/checkout-claims", "Query"): Guarantee(
        "the recorded cart: exactly the lines the hold covers", Decimal("1"), "one strong read"
    ),
    ("products", "POST /internal/v1/reservations", "BatchGetItem"): Guarantee(
        "the order is charged the prices the shopper confirmed", Decimal("0.5"), "one read"
    ),
    ("products", "POST /internal/v1/reservations", "TransactWriteItems"): Guarantee(
        "stock is never oversold, and the reservation is recorded with it",
        Decimal("4"),
        "two transactional items",
    ),
    ("products", "POST /internal/v1/reservations/<order_id>/commit", "UpdateItem"): Guarantee(
        "reserved stock becomes sold exactly once, and leaves the held-reservations index",
        Decimal("2"),
        "one write + its index entry leaving",
    ),
    ("cart", "POST /internal/v1/carts/<id:user_id>/checkout-removals", "TransactWriteItems"): Guarantee(
        "bought lines leave the cart once, and the hold is marked done",
        Decimal("2"),
        "one transactional item",
    ),
    ("orders", "POST /orders", "PutItem"): Guarantee(
        "one order per user and Idempotency-Key, findable by its owner and by recovery",
        Decimal("3"),
        "one conditional write + both index entries",
    ),
}
# The order's three updates share one key; told apart by their position in the purchase.
ORDER_UPDATES = (
    Guarantee(
        "the recorded cart: recovery can finish or fence an interrupted order",
        Decimal("1"),
        f"one write; {ORDER_INDEX_NOTE}",
    ),
    Guarantee(
        "the order is confirmed with its exact total",
        Decimal("2"),
        "one write + the owner's index entry (it lists status and total); recovery's index holds keys only",
    ),
    Guarantee(
        "a confirmed order's commit and cart removal are recorded done, and it leaves recovery's index",
        Decimal("2"),
        "one write + leaving the recovery index; the other unit re-projects the order into its owner's list",
    ),
)


def guarantees_of(calls: list[PurchaseCall]) -> list[Guarantee]:
    """The guarantee of each call, in order; an unknown call is a failure: the table must be kept
    up to date with the code."""
    updates = iter(ORDER_UPDATES)
    served = []
    for call in calls:
        if (call.service, call.operation) == ("orders", "UpdateItem"):
            served.append(next(updates))
        else:
            served.append(GUARANTEES[(call.service, call.route, call.operation)])
    return served


def dynamodb_usd_per_1000(read_units: Decimal, write_units: Decimal, prices: dict[str, Any]) -> Decimal:
    per_million = (
        read_units * prices["dynamodb_usd_per_million_read_request_units"]
        + write_units * prices["dynamodb_usd_per_million_write_request_units"]
    )
    return per_million * 1000 / 1_000_000


def fargate_usd_per_1000(cpu_ms_per_checkout: Decimal, prices: dict[str, Any]) -> Decimal:
    """Fargate's bill for the CPU of 1,000 checkouts: the reserved vCPU (and its memory) for the
    time the services' CPU takes, at TASK_CPU_UTILISATION."""
    vcpu_hours = cpu_ms_per_checkout / 1000 / TASK_CPU_UTILISATION * 1000 / 3600
    per_vcpu_hour = prices["fargate_usd_per_vcpu_hour"] + GB_PER_VCPU * prices["fargate_usd_per_gb_hour"]
    return vcpu_hours * per_vcpu_hour


def cost_model(calls: list[PurchaseCall], cpu_ms_per_checkout: float | None) -> dict[str, Any]:
    """The itemised purchase, its design minimum, and the bill of 1,000 checkouts."""
    served = guarantees_of(calls)
    rows = [
        {
            **row,
            "serves": guarantee.serves,
            "minimum_units": float(guarantee.minimum_units),
            "why": guarantee.why_minimum,
        }
        for row, guarantee in zip(itemised_table(calls), served, strict=True)
    ]
    minimum = sum((guarantee.minimum_units for guarantee in served), Decimal(0))
    units = units_and_bill(calls, cpu_ms_per_checkout)
    return {
        "calls": rows,
        **units,
        "design_minimum_units": float(minimum),
        "ratio_to_minimum": round(units["capacity_units"] / float(minimum), 3),
        "target_ratio": TARGET_MINIMUM_RATIO,
        "prices": {name: str(value) for name, value in PRICES.items()},
        "task_cpu_utilisation": float(TASK_CPU_UTILISATION),
    }


def units_and_bill(calls: list[PurchaseCall], cpu_ms_per_checkout: float | None) -> dict[str, Any]:
    """A purchase's calls and units, and the bill of 1,000 such checkouts (Fargate's part when
    the CPU per checkout is known)."""
    reads = sum((call.read_units for call in calls), Decimal(0))
    writes = sum((call.write_units for call in calls), Decimal(0))
    dynamodb = dynamodb_usd_per_1000(reads, writes, PRICES)
    bill: dict[str, Any] = {"dynamodb_usd": round(float(dynamodb), 5)}
    if cpu_ms_per_checkout is not None:
        fargate = fargate_usd_per_1000(Decimal(str(cpu_ms_per_checkout)), PRICES)
        bill.update(
            fargate_usd=round(float(fargate), 5),
            cpu_ms_per_checkout=cpu_ms_per_checkout,
            dynamodb_to_fargate=round(float(dynamodb / fargate), 1),
            total_usd=round(float(dynamodb + fargate), 5),
        )
    return {
        "dynamodb_calls": len(calls),
        "read_units": float(reads),
        "write_units": float(writes),
        "capacity_units": float(reads + writes),
        "per_1000_checkouts": bill,
    }


def peer_cost(calls: list[PurchaseCall], cpu_ms_per_checkout: float | None) -> dict[str, Any]:
    """The peer's purchase itemised (no guarantees table: it makes the calls the services' rows
    name) and its bill."""
    return {"calls": itemised_table(calls), **units_and_bill(calls, cpu_ms_per_checkout)}
