"""The bench's three-app peer keeps the guarantees it stands in for, under concurrency, on the
official DynamoDB Local: otherwise it would be a floor no honest design could stand on.

Its apps run under gunicorn, as in `make bench`, on tables of their own."""

from __future__ import annotations

import json
import secrets
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
import urllib3

from bench.peer import PEER_TABLE_PREFIX, peer_apps
from devstack import mint_token, shop_tables
from dynamo_common import create_tables, from_item, to_item
from products_service import table as product

BUYERS = 12


@pytest.fixture(scope="module")
def peer(stack_variables, dynamo_client, tmp_path_factory) -> Iterator[dict[str, Any]]:
    prefix = f"peer{secrets.token_hex(3)}-"
    create_tables(dynamo_client, prefix, shop_tables())
    env = {**stack_variables, PEER_TABLE_PREFIX: prefix}
    with peer_apps(env, tmp_path_factory.mktemp("peer-logs")) as urls:
        yield {"urls": urls, "products": prefix + product.TABLE_NAME}


@pytest.fixture
def http() -> urllib3.PoolManager:
    return urllib3.PoolManager(maxsize=BUYERS, timeout=30.0)


def stocked(dynamo_client, peer, units: int) -> str:
    product_id = f"peer-{uuid.uuid4().hex[:10]}"
    item = {
        product.PRODUCT_ID: product_id,
        product.NAME: "Teapot",
        product.PRICE: Decimal("19.99"),
        product.INVENTORY_COUNT: units,
        product.CATEGORY: "Kitchen",
        product.VERSION: 1,
    }
    dynamo_client.put_item(TableName=peer["products"], Item=to_item(item))
    return product_id


def stock_of(dynamo_client, peer, product_id: str) -> int:
    item = dynamo_client.get_item(
        TableName=peer["products"], Key={product.PRODUCT_ID: {"S": product_id}}, ConsistentRead=True
    )["Item"]
    return int(from_item(item)[product.INVENTORY_COUNT])


def headers_for(user_id: str, signing_keys) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {mint_token(user_id, keys=signing_keys)}",
        "Content-Type": "application/json",
    }


def cart_version(http, peer, product_id: str, headers: dict[str, str]) -> str:
    added = http.request(
        "POST",
        f"{peer['urls']['cart']}/cart/items",
        headers=headers,
        body=json.dumps({"product_id": product_id, "quantity": 1}),
    )
    assert added.status == 200, added.data
    shown = http.request("GET", f"{peer['urls']['cart']}/cart", headers=headers)
    assert shown.status == 200, shown.data
    return shown.json()["version"]


def checkout(http, peer, headers: dict[str, str], version: str, key: str) -> urllib3.BaseHTTPResponse:
    return http.request(
        "POST",
        f"{peer['urls']['orders']}/orders",
        headers={**headers, "Idempotency-Key": key},
        body=json.dumps({"cart_version": version}),
    )


def test_buyers_racing_for_the_last_units_never_oversell(http, peer, dynamo_client, signing_keys):
    product_id = stocked(dynamo_client, peer, units=5)

    def buy(number: int) -> int:
        headers = headers_for(f"racer-{number}-{uuid.uuid4().hex[:6]}", signing_keys)
        version = cart_version(http, peer, product_id, headers)
        return checkout(http, peer, headers, version, uuid.uuid4().hex).status

    with ThreadPoolExecutor(BUYERS) as pool:
        statuses = Counter(pool.map(buy, range(BUYERS)))

    assert statuses == {201: 5, 409: BUYERS - 5}
    assert stock_of(dynamo_client, peer, product_id) == 0


def test_one_cart_makes_one_order_whatever_the_keys_and_a_repeated_key_the_same_order(
    http, peer, dynamo_client, signing_keys
):
    product_id = stocked(dynamo_client, peer, units=10)
    headers = headers_for(f"one-cart-{uuid.uuid4().hex[:6]}", signing_keys)
    version = cart_version(http, peer, product_id, headers)
    keys = [uuid.uuid4().hex for _ in range(8)]

    with ThreadPoolExecutor(len(keys)) as pool:
        answers = list(pool.map(lambda key: checkout(http, peer, headers, version, key), keys))

    won = [(key, answer.json()) for key, answer in zip(keys, answers, strict=True) if answer.status == 201]
    assert len(won) == 1 and won[0][1]["status"] == "CONFIRMED"
    assert sorted(answer.status for answer in answers) == [201] + [409] * (len(keys) - 1)
    assert stock_of(dynamo_client, peer, product_id) == 9
    key, order = won[0]
    repeat = checkout(http, peer, headers, version, key)
    assert (repeat.status, repeat.json()["order_id"]) == (201, order["order_id"])
    assert stock_of(dynamo_client, peer, product_id) == 9
