"""DynamoDB Local stopped and started again mid-sale, on the same port with the same data: the
services notice (they stop being ready), reconnect by themselves once it is back, never answer
500 meanwhile, and nothing is lost."""

from __future__ import annotations

import pytest

from .conftest import StackOptions, answers, wait_until

pytestmark = pytest.mark.integration
FAULT_STACK = StackOptions()


def test_dynamodb_restarted_mid_sale(fault_stack, tmp_path):
    products_ready = f"{fault_stack.urls['products']}/health/ready"

    def restart_dynamodb(orders_before: int) -> None:
        fault_stack.wait_for_orders(5, since=orders_before)
        fault_stack.engine.stop()
        # Not ready, as a load balancer sees it: a 503, or no answer within the probe's timeout.
        wait_until(lambda: not answers(products_ready, 200), 15, "products noticed DynamoDB is gone")
        fault_stack.engine.start()

    result = fault_stack.sale(restart_dynamodb, tmp_path)

    fault_stack.assert_recovered(result)
