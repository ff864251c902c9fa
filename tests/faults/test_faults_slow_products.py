"""A slow dependency: for part of the sale, products' answers to orders arrive a while after
orders' read timeout. Orders answers 503 promptly instead of waiting; the reservations that were
written meanwhile are found by recovery, so no order is lost and the books balance."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from devstack.faults import DELAY, RELAY, Exchange

from .conftest import USER_PREFIX, StackOptions

pytestmark = pytest.mark.integration
READ_TIMEOUT_SECONDS = 1.0
DELAY_SECONDS = 2.5
FAULT_STACK = StackOptions(
    products_proxy=True, orders_variables={"SHOPSMART_HTTP_READ_TIMEOUT": str(READ_TIMEOUT_SECONDS)}
)


def test_products_slower_than_orders_timeout_mid_sale(fault_stack, tmp_path):
    proxy = fault_stack.products_proxy
    proxy.delay_seconds = DELAY_SECONDS
    shopper = fault_stack.headers(f"{USER_PREFIX}slow-{uuid.uuid4().hex[:8]}")
    [product_id] = fault_stack.new_products(1, stock=5)
    added = requests.post(
        f"{fault_stack.gateway}/cart/items",
        json={"product_id": product_id, "quantity": 1},
        headers=shopper,
        timeout=10,
    )
    assert added.status_code in (200, 201), added.text
    shown = requests.get(f"{fault_stack.gateway}/cart", headers=shopper, timeout=10)
    assert shown.status_code == 200, shown.text
    probe: dict[str, object] = {}

    def slow_products(orders_before: int) -> None:
        fault_stack.wait_for_orders(5, since=orders_before)
        proxy.decide = _delay_everything
        started = time.monotonic()
        answer = requests.post(
            f"{fault_stack.gateway}/orders",
            headers={**shopper, "Idempotency-Key": uuid.uuid4().hex},
            json={"cart_version": shown.json()["version"]},
            timeout=30,
        )
        probe.update(answer=answer, seconds=time.monotonic() - started)
        assert proxy.wait_for_delayed(5, timeout=20), "too few answers were delayed"
        proxy.reset()

    result = fault_stack.sale(slow_products, tmp_path)

    answer = probe["answer"]
    assert answer.status_code == 503, answer.text
    assert answer.headers.get("Retry-After")
    assert probe["seconds"] < DELAY_SECONDS, probe  # it did not wait for the slow answer
    order_id = answer.json()["order_id"]
    fault_stack.assert_recovered(result)
    # The reservation written while orders had stopped waiting became the shopper's order.
    order = requests.get(f"{fault_stack.gateway}/orders/{order_id}", headers=shopper, timeout=10)
    assert order.status_code == 200, order.text
    assert order.json()["status"] == "CONFIRMED", order.json()


def _delay_everything(exchange: Exchange) -> str:
    return DELAY if exchange.path.startswith("/internal/") else RELAY
