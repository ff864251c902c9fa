"""A short sale event through the gateway on the session's stack: no 5xx, and a clean audit."""

from __future__ import annotations

import uuid

import requests

from load.audit import audit
from load.run import LoadProfile, run_locust
from load.shop import settle_orders

SHORT_SALE = LoadProfile(users=15, spawn_rate=5, seconds=15)
HOT_STOCK = 12


def test_a_short_sale_sells_no_more_than_the_stock(
    start_service, stack_variables, auth_headers, dynamo_client, dynamo_settings, tmp_path
):
    gateway = start_service("gateway")
    for name in ("products", "cart", "orders"):
        start_service(name)
    admin = auth_headers("sale-admin", groups=["admin"])
    category = f"Sale {uuid.uuid4().hex[:6]}"
    hot = {}
    for number in range(3):
        body = {"name": f"Hot {number}", "price": "4.99", "category": category, "inventory_count": HOT_STOCK}
        answer = requests.post(f"{gateway}/products", json=body, headers=admin, timeout=10)
        assert answer.status_code == 201, answer.text
        hot[answer.json()["product_id"]] = HOT_STOCK

    result = run_locust(gateway, SHORT_SALE, list(hot), tmp_path)
    settle_orders(stack_variables, dynamo_client, dynamo_settings, "load-")
    report = audit(dynamo_client, dynamo_settings, hot, "load-")

    assert result.requests > 100
    assert result.server_errors == 0 and result.failures == 0, result
    assert report.clean, report
    assert sum(report.sold.values()) > 0
