"""DynamoDB throttling, simulated: for a while a proxy in front of DynamoDB Local answers a share
of the services' requests itself with ProvisionedThroughputExceededException, as DynamoDB does
when a table runs out of capacity. botocore's retries absorb most; what they cannot becomes a 503
with Retry-After, never a 500; afterwards all is well and the books balance."""

from __future__ import annotations

import json
import random

import pytest

from devstack.faults import Canned, Request

from .conftest import StackOptions

pytestmark = pytest.mark.integration
FAULT_STACK = StackOptions(dynamodb_proxy=True)
THROTTLED_SHARE = 0.3
THROTTLED_REQUESTS = 25
THROTTLED = Canned(
    400,
    json.dumps(
        {
            "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            "message": "Rate of requests exceeds the allowed throughput.",
        }
    ).encode(),
    {"Content-Type": "application/x-amz-json-1.0"},
)


def _throttle_some(request: Request) -> Canned | None:
    return THROTTLED if random.random() < THROTTLED_SHARE else None


def test_dynamodb_throttling_mid_sale(fault_stack, tmp_path):
    proxy = fault_stack.dynamodb_proxy

    def throttle(orders_before: int) -> None:
        fault_stack.wait_for_orders(5, since=orders_before)
        log_size = fault_stack.gateway_log_size()
        proxy.before = _throttle_some
        try:
            assert proxy.wait_for_canned(THROTTLED_REQUESTS, timeout=15), len(proxy.canned)
            fault_stack.wait_until_shoppers_meet_it(log_size, probes=0)
        finally:
            proxy.reset()

    result = fault_stack.sale(throttle, tmp_path)

    fault_stack.assert_recovered(result)
