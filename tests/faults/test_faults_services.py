"""A service SIGKILLed mid-sale and started again: the gateway answers 503 (never 500) while it is
gone, and afterwards the stack is whole, the interrupted checkouts are resolved and the books
balance. Starting the killed service again is the restart a supervisor would do; nothing else is
restarted by hand."""

from __future__ import annotations

import uuid

import pytest
import requests

from .conftest import StackOptions

pytestmark = pytest.mark.integration
FAULT_STACK = StackOptions()


def test_products_killed_and_restarted_mid_sale(fault_stack, tmp_path):
    products = fault_stack.services["products"]

    def kill_products(orders_before: int) -> None:
        fault_stack.wait_for_orders(5, since=orders_before)
        log_size = fault_stack.gateway_log_size()
        products.kill()
        gone = requests.get(f"{fault_stack.gateway}/categories", timeout=10)
        assert gone.status_code == 503, gone.text
        assert gone.headers.get("Retry-After")
        fault_stack.wait_until_shoppers_meet_it(log_size, probes=1)
        products.start()

    result = fault_stack.sale(kill_products, tmp_path)

    fault_stack.assert_recovered(result)


def test_orders_killed_and_restarted_mid_sale(fault_stack, tmp_path):
    orders = fault_stack.services["orders"]
    shopper = fault_stack.headers(f"load-probe-{uuid.uuid4().hex[:8]}")

    def kill_orders(orders_before: int) -> None:
        fault_stack.wait_for_orders(5, since=orders_before)
        log_size = fault_stack.gateway_log_size()
        orders.kill()
        gone = requests.get(f"{fault_stack.gateway}/orders", headers=shopper, timeout=10)
        assert gone.status_code == 503, gone.text
        assert gone.headers.get("Retry-After")
        fault_stack.wait_until_shoppers_meet_it(log_size, probes=1)
        orders.start()

    result = fault_stack.sale(kill_orders, tmp_path)

    fault_stack.assert_recovered(result)
