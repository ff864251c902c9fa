"""Arranging a sale (hot products with little stock) and letting its orders settle."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import requests

from devstack import DevKeys, mint_token
from dynamo_common import DynamoSettings, from_item
from orders_service import table as order_table

SETTLE_DEADLINE_SECONDS = 120


def create_hot_products(
    products_url: str, keys: DevKeys, category: str, count: int, stock: int, shards: int = 1
) -> dict[str, int]:
    """`count` products with `stock` units each, created through the API, each split over
    `shards` stock items; {id: initial stock}."""
    headers = {"Authorization": f"Bearer {mint_token('load-admin', groups=['admin'], keys=keys)}"}
    created = {}
    for number in range(count):
        body = {"name": f"Hot deal {number}", "price": "9.99", "category": category, "inventory_count": stock}
        answer = requests.post(f"{products_url}/products", json=body, headers=headers, timeout=10)
        answer.raise_for_status()
        product_id = answer.json()["product_id"]
        if shards > 1:
            split_stock(products_url, headers, product_id, shards)
        created[product_id] = stock
    return created


def split_stock(products_url: str, admin_headers: dict[str, str], product_id: str, shards: int) -> None:
    """Split a product's stock over `shards` items through the admin API, as before a sale."""
    answer = requests.put(
        f"{products_url}/products/{product_id}/stock-shards",
        json={"shards": shards},
        headers=admin_headers,
        timeout=10,
    )
    answer.raise_for_status()
    if answer.json()["stock_shards"] != shards:
        raise RuntimeError(f"product {product_id} has {answer.json()['stock_shards']} shards, not {shards}")


def pending_orders(client: Any, settings: DynamoSettings, user_prefix: str) -> int:
    """How many orders of these users are PENDING or still have steps left (commit, cart, return)."""
    pending, start_key = 0, None
    while True:
        page = client.scan(
            TableName=settings.table_name(order_table.TABLE_SPEC),
            **({"ExclusiveStartKey": start_key} if start_key else {}),
        )
        pending += sum(
            1
            for item in map(from_item, page["Items"])
            if item[order_table.USER_ID].startswith(user_prefix)
            and (item[order_table.STATUS] == "PENDING" or order_table.RECOVERY_SHARD in item)
        )
        start_key = page.get("LastEvaluatedKey")
        if start_key is None:
            return pending


def settle_orders(variables: dict[str, str], client: Any, settings: DynamoSettings, user_prefix: str) -> None:
    """Run the recovery command until every order of these users is settled (or the deadline passes)."""
    deadline = time.monotonic() + SETTLE_DEADLINE_SECONDS
    while pending_orders(client, settings, user_prefix) and time.monotonic() < deadline:
        recover_once(variables)


def recover_once(variables: dict[str, str]) -> str:
    """Run `flask --app orders_service recover` once with these variables; its summary line."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "orders_service", "recover"],
        env=variables,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
