"""Checkout through the three services against the minimal DynamoDB calls the saga needs.

Both sides run alternately in one run on one DynamoDB Local. The raw side is the saga's minimal
sequence: put the order, query the cart, record it, read the prices, one reservation transaction,
confirm, commit, one transaction removing the cart lines, mark the order done. The service side's
consumed capacity is read back from the services' own EMF lines (every call carries the
checkout's X-Request-ID); the raw side's from DynamoDB's answers.
"""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal
from typing import Any

import urllib3

from bench.measure import Latencies, confirmed_cart, emf_capacity, expect_status, median, timed
from bench.stack import BenchStack
from cart_service import table as cart_table
from devstack import mint_token
from dynamo_common import expression_values, metered, to_item, to_value
from orders_service import table as order_table
from products_service import table as product_table
from products_service.repository import ProductRepository
from products_service.seeding import seed, synthetic_products

CART_SIZES = {1: 120, 10: 30, 50: 8}
CATALOGUE_SIZE = 60


class CheckoutBench:
    def __init__(self, stack: BenchStack):
        self.stack = stack
        self.http = urllib3.PoolManager(maxsize=4, timeout=30.0)
        self.products_table = stack.settings.table_name(product_table.TABLE_SPEC)
        self.carts_table = stack.settings.table_name(cart_table.TABLE_SPEC)
        self.orders_table = stack.settings.table_name(order_table.TABLE_SPEC)
        products = list(synthetic_products(CATALOGUE_SIZE))
        seed(ProductRepository(stack.client, self.products_table), products)
        self.catalogue = {product.product_id: product for product in products}

    def run(self) -> dict[str, Any]:
        results: dict[str, Any] = {}
        for lines, runs in CART_SIZES.items():
            service_ms, raw_ms, request_ids, raw_units = [], [], [], []
            for run in range(runs):
                product_ids = list(self.catalogue)[:lines]
                request_id, elapsed = self._service_checkout(f"bench-{lines}-{run}", product_ids)
                service_ms.append(elapsed)
                request_ids.append(request_id)
                with metered() as meter:
                    raw_ms.append(self.raw_checkout(f"raw-{lines}-{run}", product_ids))
                raw_units.append(meter.total_units)
            service_units = emf_capacity(self.stack.service_logs, request_ids)
            service, raw = Latencies(service_ms).summary(), Latencies(raw_ms).summary()
            results[f"{lines}_lines"] = {
                "service": service,
                "raw_minimal_calls": raw,
                "p50_ratio": round(service["p50_ms"] / raw["p50_ms"], 3),
                "capacity_units_per_checkout": {
                    "service_median": median(service_units),
                    # The design's minimum: the same saga's calls issued directly, nothing else.
                    "minimal_calls_median": median(raw_units),
                },
            }
        return results

    def _service_checkout(self, user_id: str, product_ids: list[str]) -> tuple[str, float]:
        token = mint_token(user_id, keys=self.stack.keys)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for product_id in product_ids:
            body = json.dumps({"product_id": product_id, "quantity": 1})
            expect_status(self.http, 200, "POST", f"{self.stack.urls['cart']}/cart/items", headers, body)
        # The shopper's page already holds the cart version it confirms: read outside the timing.
        body = confirmed_cart(self.http, self.stack.urls["cart"], headers)
        request_id = uuid.uuid4().hex
        checkout_headers = {**headers, "Idempotency-Key": uuid.uuid4().hex, "X-Request-ID": request_id}
        elapsed = timed(
            lambda: expect_status(
                self.http, 201, "POST", f"{self.stack.urls['orders']}/orders", checkout_headers, body
            )
        )
        return request_id, elapsed

    def raw_checkout(self, user_id: str, product_ids: list[str]) -> float:
        """The saga's minimal DynamoDB calls, issued directly; returns milliseconds."""
        client = self.stack.client
        now = int(time.time())
        for product_id in product_ids:
            client.put_item(
                TableName=self.carts_table,
                Item=to_item(
                    {
                        cart_table.USER_ID: user_id,
                        cart_table.PRODUCT_ID: product_id,
                        cart_table.QUANTITY: 1,
                        cart_table.EXPIRES_AT: now + 86400,
                    }
                ),
            )
        order_id = str(uuid.uuid4())
        order_key = {order_table.ORDER_ID: {"S": order_id}}
        started = time.perf_counter()
        client.put_item(
            TableName=self.orders_table,
            Item=to_item(
                {
                    order_table.ORDER_ID: order_id,
                    order_table.USER_ID: user_id,
                    order_table.STATUS: "PENDING",
                    order_table.ORDER_DATE: "2026",
                }
            ),
            ConditionExpression="attribute_not_exists(#id)",
            ExpressionAttributeNames={"#id": order_table.ORDER_ID},
        )
        client.query(
            TableName=self.carts_table,
            ConsistentRead=True,
            KeyConditionExpression="#u = :u",
            ExpressionAttributeNames={"#u": cart_table.USER_ID},
            ExpressionAttributeValues={":u": to_value(user_id)},
        )
        self._raw_order_update(order_key, {order_table.CART_FINGERPRINT: "x"})
        client.batch_get_item(
            RequestItems={
                self.products_table: {"Keys": [{product_table.PRODUCT_ID: {"S": pid}} for pid in product_ids]}
            }
        )
        reservation_key = {product_table.PRODUCT_ID: {"S": f"#reservation#{order_id}"}}
        client.transact_write_items(
            TransactItems=[
                *(
                    {
                        "Update": {
                            "TableName": self.products_table,
                            "Key": {product_table.PRODUCT_ID: {"S": pid}},
                            "UpdateExpression": "SET #n = #n - :one, #v = #v + :one",
                            "ConditionExpression": "#n >= :one AND #p = :price",
                            "ExpressionAttributeNames": {
                                "#n": product_table.INVENTORY_COUNT,
                                "#v": product_table.VERSION,
                                "#p": product_table.PRICE,
                            },
                            "ExpressionAttributeValues": expression_values(
                                {":one": 1, ":price": self.catalogue[pid].price}
                            ),
                        }
                    }
                    for pid in product_ids
                ),
                {
                    "Put": {
                        "TableName": self.products_table,
                        "Item": {**reservation_key, product_table.STATUS: {"S": "RESERVED"}},
                    }
                },
            ]
        )
        total = sum((self.catalogue[pid].price for pid in product_ids), Decimal(0))
        self._raw_order_update(order_key, {order_table.STATUS: "CONFIRMED", order_table.TOTAL_PRICE: total})
        client.update_item(
            TableName=self.products_table,
            Key=reservation_key,
            UpdateExpression="SET #s = :committed",
            ExpressionAttributeNames={"#s": product_table.STATUS},
            ExpressionAttributeValues={":committed": {"S": "COMMITTED"}},
        )
        client.transact_write_items(
            TransactItems=[
                {
                    "Delete": {
                        "TableName": self.carts_table,
                        "Key": {cart_table.USER_ID: {"S": user_id}, cart_table.PRODUCT_ID: {"S": pid}},
                    }
                }
                for pid in product_ids
            ]
        )
        self._raw_order_update(order_key, {order_table.CART_CLEARED: True})
        return (time.perf_counter() - started) * 1000

    def _raw_order_update(self, key: dict[str, Any], values: dict[str, Any]) -> None:
        names = {f"#a{i}": name for i, name in enumerate(values)}
        self.stack.client.update_item(
            TableName=self.orders_table,
            Key=key,
            UpdateExpression="SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(values))),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=expression_values(
                {f":v{i}": value for i, value in enumerate(values.values())}
            ),
        )
