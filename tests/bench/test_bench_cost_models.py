"""The bench's cost models: a purchase itemised from EMF lines, its bill, and a viral page's
origin reads. Pure functions, no stack."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bench.cost import (
    GUARANTEES,
    PRICES,
    PurchaseCall,
    cost_model,
    dynamodb_usd_per_1000,
    fargate_usd_per_1000,
    guarantees_of,
    purchase_calls,
)
from bench.pages import EDGE_ONLY, NO_CDN, SHIELDED, origin_reads_per_second, page_view_model


def emf_line(request_id: str, service: str, route: str, stamp: int, calls: list) -> str:
    return json.dumps(
        {
            "_aws": {"Timestamp": stamp},
            "request_id": request_id,
            "Service": service,
            "Route": route,
            "DynamoDBCallLog": calls,
        }
    )


def test_a_purchases_calls_are_read_from_every_services_lines_in_time_order(tmp_path):
    cart, orders = tmp_path / "cart.log", tmp_path / "orders.log"
    cart.write_text(
        "gunicorn started\n"
        + emf_line("r1", "cart", "GET /cart", 20, [["Query", ["shop-carts"], 1.0, 0.0]])
        + "\n"
        + emf_line("r2", "cart", "GET /cart", 21, [["Query", ["shop-carts"], 1.0, 0.0]])
        + "\n"
    )
    orders.write_text(
        emf_line(
            "r1",
            "orders",
            "POST /orders",
            10,
            [["PutItem", ["shop-orders"], 0.0, 3.0], ["UpdateItem", [], 0, 1]],
        )
        + "\n"
    )
    calls = purchase_calls([cart, orders], "r1", "shop-")
    assert [(call.service, call.operation, call.table) for call in calls] == [
        ("orders", "PutItem", "orders"),
        ("orders", "UpdateItem", ""),
        ("cart", "Query", "carts"),
    ]
    assert sum(call.read_units + call.write_units for call in calls) == Decimal(5)


def call(service: str, route: str, operation: str, read: str = "0", write: str = "0") -> PurchaseCall:
    return PurchaseCall(service, route, operation, "t", Decimal(read), Decimal(write))


def test_every_call_must_have_a_guarantee_and_the_order_updates_are_told_apart_by_position():
    updates = [call("orders", "POST /orders", "UpdateItem", write="3") for _ in range(3)]
    served = guarantees_of(updates)
    assert [guarantee.minimum_units for guarantee in served] == [Decimal(1), Decimal(2), Decimal(2)]
    with pytest.raises(KeyError):
        guarantees_of([call("orders", "POST /orders", "Scan", read="100")])


def test_the_model_compares_the_purchase_with_the_sum_of_its_minimums():
    (service, route, operation), guarantee = next(iter(GUARANTEES.items()))
    measured = call(service, route, operation, read=str(guarantee.minimum_units * 2))
    model = cost_model([measured], cpu_ms_per_checkout=None)
    assert model["ratio_to_minimum"] == 2.0
    assert "fargate_usd" not in model["per_1000_checkouts"]


def test_the_bill_follows_the_prices():
    # 1,000 checkouts of 4 read and 2 write units: 4,000 reads and 2,000 writes.
    expected = (
        4000 * PRICES["dynamodb_usd_per_million_read_request_units"]
        + 2000 * PRICES["dynamodb_usd_per_million_write_request_units"]
    ) / 1_000_000
    assert dynamodb_usd_per_1000(Decimal(4), Decimal(2), PRICES) == expected
    # 36 ms of CPU at 50 % use reserves 72 vCPU-seconds per 1,000 checkouts: 0.02 vCPU-hours.
    per_vcpu_hour = PRICES["fargate_usd_per_vcpu_hour"] + 2 * PRICES["fargate_usd_per_gb_hour"]
    assert fargate_usd_per_1000(Decimal(36), PRICES) == Decimal("0.02") * per_vcpu_hour


def test_without_a_cache_every_view_is_an_origin_read():
    assert origin_reads_per_second(50_000, 5, NO_CDN) == 50_000


def test_a_cache_asks_the_origin_once_per_lifetime_per_key_variant():
    assert origin_reads_per_second(1_000_000, 5, SHIELDED) == pytest.approx(3 / 5)
    assert origin_reads_per_second(1_000_000, 5, EDGE_ONLY) == pytest.approx(13 * 3 / 5)
    # Fewer views than revalidations: never more reads than views.
    assert origin_reads_per_second(0.1, 5, EDGE_ONLY) == 0.1


def test_a_million_views_a_second_of_one_product_cost_the_origin_at_most_10_reads():
    model = page_view_model(read_units_per_origin_read=0.5)
    assert model["fronts"][SHIELDED.label]["meets_target"]
    assert not model["fronts"][NO_CDN.label]["within_item_limit"]
