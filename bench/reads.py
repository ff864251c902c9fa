"""Reads through the services against the peer's Flask + boto3 apps doing the same reads and
against the raw DynamoDB calls they wrap, with capacity per request."""

from __future__ import annotations

import json
import uuid
from typing import Any

import urllib3

from bench.measure import compare, emf_capacity, median
from bench.stack import BenchStack
from cart_service import table as cart_table
from devstack import mint_token
from dynamo_common import metered, to_value
from products_service import table as product_table

BATCH_SIZE = 20
CART_LINES = 10
PAGE_SIZE = 20


class ReadBench:
    """Each service read alternated with its raw DynamoDB calls on the same data."""

    def __init__(self, stack: BenchStack, product_ids: list[str], category: str):
        self.stack = stack
        self.products_table = stack.settings.table_name(product_table.TABLE_SPEC)
        self.carts_table = stack.settings.table_name(cart_table.TABLE_SPEC)
        self.product_ids = product_ids
        self.category = category
        # urllib3 with keep-alive: the same transport botocore uses for the raw side.
        self.http = urllib3.PoolManager(maxsize=1, timeout=10.0)
        self.request_ids: list[str] = []

    def fetch(
        self, url: str, fields: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        request_id = uuid.uuid4().hex
        self.request_ids.append(request_id)
        response = self.http.request(
            "GET", url, fields=fields, headers={**(headers or {}), "X-Request-ID": request_id}
        )
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}: {response.data[:200]!r}")

    def fetch_peer(
        self,
        path: str,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        app: str = "products",
    ) -> None:
        """The same read from the peer's app (not metered: it emits nothing)."""
        response = self.http.request("GET", self.stack.peer_urls[app] + path, fields=fields, headers=headers)
        if response.status != 200:
            raise RuntimeError(f"peer {path} answered {response.status}: {response.data[:200]!r}")

    def product_read(self, runs: int) -> dict[str, Any]:
        product_id = self.product_ids[0]
        key = {product_table.PRODUCT_ID: {"S": product_id}}
        return self._measure(
            lambda: self.fetch(f"{self.stack.urls['products']}/products/{product_id}"),
            lambda: self.stack.client.get_item(TableName=self.products_table, Key=key),
            runs,
            lambda: self.fetch_peer(f"/products/{product_id}"),
        )

    def category_page(self, runs: int) -> dict[str, Any]:
        return self._measure(
            lambda: self.fetch(
                f"{self.stack.urls['products']}/products",
                {"category": self.category, "limit": str(PAGE_SIZE)},
            ),
            lambda: self.stack.client.query(**self._category_query()),
            runs,
            lambda: self.fetch_peer("/products", {"category": self.category, "limit": str(PAGE_SIZE)}),
        )

    def ids_batch(self, runs: int) -> dict[str, Any]:
        ids = self.product_ids[:BATCH_SIZE]
        keys = [{product_table.PRODUCT_ID: {"S": product_id}} for product_id in ids]
        return self._measure(
            lambda: self.fetch(f"{self.stack.urls['products']}/products", {"ids": ",".join(ids)}),
            lambda: self.stack.client.batch_get_item(RequestItems={self.products_table: {"Keys": keys}}),
            runs,
            lambda: self.fetch_peer("/products", {"ids": ",".join(ids)}),
        )

    def cart_read(self, runs: int) -> dict[str, Any]:
        """GET /cart of a 10-line cart against its raw calls: the cart Query and the products' BatchGet."""
        user_id = f"reader-{uuid.uuid4().hex[:8]}"
        headers = {
            "Authorization": f"Bearer {mint_token(user_id, keys=self.stack.keys)}",
            "Content-Type": "application/json",
        }
        for product_id in self.product_ids[:CART_LINES]:
            body = json.dumps({"product_id": product_id, "quantity": 1})
            response = self.http.request(
                "POST", f"{self.stack.urls['cart']}/cart/items", headers=headers, body=body
            )
            if response.status != 200:
                raise RuntimeError(f"could not fill the cart: {response.status} {response.data[:200]!r}")
        keys = [{product_table.PRODUCT_ID: {"S": product_id}} for product_id in self.product_ids[:CART_LINES]]

        def raw() -> None:
            self.stack.client.query(
                TableName=self.carts_table,
                ConsistentRead=True,
                KeyConditionExpression="#u = :u",
                ExpressionAttributeNames={"#u": cart_table.USER_ID},
                ExpressionAttributeValues={":u": to_value(user_id)},
            )
            self.stack.client.batch_get_item(RequestItems={self.products_table: {"Keys": keys}})

        return self._measure(
            lambda: self.fetch(f"{self.stack.urls['cart']}/cart", headers=headers),
            raw,
            runs,
            lambda: self.fetch_peer("/cart", headers=headers, app="cart"),
        )

    def _category_query(self) -> dict[str, Any]:
        return {
            "TableName": self.products_table,
            "IndexName": product_table.CATEGORY_INDEX,
            "KeyConditionExpression": "#c = :c",
            "ExpressionAttributeNames": {"#c": product_table.CATEGORY},
            "ExpressionAttributeValues": {":c": to_value(self.category)},
            "Limit": PAGE_SIZE,
        }

    def _measure(self, service: Any, raw: Any, runs: int, peer: Any) -> dict[str, Any]:
        self.request_ids = []
        raw_units: list[Any] = []

        def metered_raw() -> None:
            with metered() as meter:
                raw()
            raw_units.append(meter.total_units)

        figures = compare(service, metered_raw, runs, peer=peer)
        figures["capacity_units_per_request"] = {
            "service_median": median(emf_capacity(self.stack.service_logs, self.request_ids[-runs:])),
            "raw_median": median(raw_units),
        }
        return figures
