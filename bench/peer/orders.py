"""The peer's orders app: the checkout, as the orders service runs it, with nothing around it.

One order per user and Idempotency-Key (a conditional put), the cart held for it and recorded on
it, the stock reserved at the confirmed prices, the order confirmed with its total, then the
reservation committed and the bought lines removed side by side, and the steps recorded done.
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import urllib3
from flask import Flask, Response, request

from bench.peer import (
    forwarded,
    json_response,
    now_iso,
    peer_app,
    peer_url,
    service_token,
    table_name,
)
from dynamo_common import expression_values, from_item, to_item
from orders_service import table as attr
from orders_service.orders import order_id_for
from orders_service.repository import RECOVERY_SHARD_VALUE
from products_service import table as product

LEASE_SECONDS = 30


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app, client, tokens = peer_app(__name__, config)
    orders = table_name(attr.TABLE_NAME)
    http = urllib3.PoolManager(maxsize=16, timeout=30.0)
    cart_url, products_url = peer_url("cart"), peer_url("products")
    internal = {"Authorization": f"Bearer {service_token()}", "Content-Type": "application/json"}
    side_steps = ThreadPoolExecutor(max_workers=16)

    def call(url: str, document: dict[str, Any], headers: dict[str, str]) -> urllib3.BaseHTTPResponse:
        return http.request("POST", url, body=json.dumps(document, default=str), headers=headers)

    def update(
        order_id: str, expression: str, condition: str, names: dict[str, str], values: dict[str, Any]
    ) -> None:
        client.update_item(
            TableName=orders,
            Key={attr.ORDER_ID: {"S": order_id}},
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=expression_values(values),
        )

    def owned(
        order_id: str, owner: str, expression: str, names: dict[str, str], values: dict[str, Any]
    ) -> None:
        """An update only the lease holder of the PENDING order may make."""
        update(
            order_id,
            expression,
            "#status = :pending AND #owner = :owner",
            {**names, "#status": attr.STATUS, "#owner": attr.LEASE_OWNER},
            {**values, ":pending": "PENDING", ":owner": owner},
        )

    def fail(order_id: str, owner: str) -> None:
        owned(
            order_id,
            owner,
            "SET #status = :failed, #updated = :now REMOVE #shard, #due",
            {"#updated": attr.UPDATED_AT, "#shard": attr.RECOVERY_SHARD, "#due": attr.RECOVERY_DUE},
            {":failed": "FAILED", ":now": now_iso()},
        )

    @app.post("/orders")
    def checkout() -> Response:
        user_id = tokens.user()
        headers = {**internal, **forwarded()}
        idempotency_key = request.headers["Idempotency-Key"]
        version = request.get_json()["cart_version"]
        order_id = order_id_for(user_id, idempotency_key)
        now = datetime.now(UTC)
        owner = uuid.uuid4().hex
        lease_until = (now + timedelta(seconds=LEASE_SECONDS)).isoformat()
        pending = {
            attr.ORDER_ID: order_id,
            attr.USER_ID: user_id,
            attr.IDEMPOTENCY_KEY: idempotency_key,
            attr.STATUS: "PENDING",
            attr.ORDER_DATE: now_iso(),
            attr.UPDATED_AT: now_iso(),
            attr.LEASE_OWNER: owner,
            attr.LEASE_UNTIL: lease_until,
            attr.CART_VERSION: version,
            attr.RECOVERY_SHARD: RECOVERY_SHARD_VALUE,
            attr.RECOVERY_DUE: lease_until,
        }
        try:
            client.put_item(
                TableName=orders,
                Item=to_item(pending),
                ConditionExpression="attribute_not_exists(#id)",
                ExpressionAttributeNames={"#id": attr.ORDER_ID},
            )
        except client.exceptions.ConditionalCheckFailedException:
            # A repeat of this key: the same order, never a second one.
            item = client.get_item(
                TableName=orders, Key={attr.ORDER_ID: {"S": order_id}}, ConsistentRead=True
            )
            order = from_item(item["Item"])
            if order[attr.CART_VERSION] != version:
                return Response(status=422)
            return json_response({"order_id": order_id, "status": order[attr.STATUS]}, 201)

        claim = call(
            f"{cart_url}/internal/v1/carts/{user_id}/checkout-claims",
            {"order_id": order_id, "cart_version": version},
            headers,
        )
        if claim.status != 200:
            fail(order_id, owner)
            return json_response({"refused": "cart-held"}, 409)
        cart = claim.json()
        held: dict[str, list[Any]] = cart["lines"]  # product → [quantity, time added]
        quantities = {pid: quantity for pid, (quantity, _) in held.items()}
        owned(
            order_id,
            owner,
            "SET #cart = :cart, #read_at = :read_at, #updated = :now",
            {"#cart": attr.CART_LINES, "#read_at": attr.CART_READ_AT, "#updated": attr.UPDATED_AT},
            {
                ":cart": [{attr.PRODUCT_ID: pid, attr.QUANTITY: qty} for pid, qty in quantities.items()],
                ":read_at": cart["read_at"],
                ":now": now_iso(),
            },
        )
        reserved = call(
            f"{products_url}/internal/v1/reservations",
            {"order_id": order_id, "lines": held, "cart_version": version},
            headers,
        )
        if reserved.status != 201:
            fail(order_id, owner)
            call(f"{cart_url}/internal/v1/carts/{user_id}/checkout-claims/{order_id}/release", {}, headers)
            return json_response({"refused": reserved.json()["refused"]}, 409)
        bought = [
            {
                attr.PRODUCT_ID: line[product.PRODUCT_ID],
                attr.NAME: line[product.NAME],
                attr.UNIT_PRICE: Decimal(line[product.UNIT_PRICE]),
                attr.QUANTITY: int(line[product.QUANTITY]),
            }
            for line in reserved.json()["lines"]
        ]
        total = sum((line[attr.UNIT_PRICE] * line[attr.QUANTITY] for line in bought), Decimal(0))
        owned(
            order_id,
            owner,
            "SET #status = :confirmed, #lines = :lines, #total = :total, #updated = :now",
            {"#lines": attr.PRODUCT_LIST, "#total": attr.TOTAL_PRICE, "#updated": attr.UPDATED_AT},
            {":confirmed": "CONFIRMED", ":lines": bought, ":total": total, ":now": now_iso()},
        )
        removal = side_steps.submit(
            call,
            f"{cart_url}/internal/v1/carts/{user_id}/checkout-removals",
            {"order_id": order_id, "read_at": cart["read_at"], "lines": held},
            headers,
        )
        committed = (
            call(f"{products_url}/internal/v1/reservations/{order_id}/commit", {}, headers).status == 204
        )
        cleared = removal.result().status == 204
        done = committed and cleared
        update(
            order_id,
            "SET #committed = :committed, #cleared = :cleared, #updated = :now"
            + (" REMOVE #shard, #due" if done else ""),
            "#status = :confirmed",
            {
                "#committed": attr.RESERVATION_COMMITTED,
                "#cleared": attr.CART_CLEARED,
                "#updated": attr.UPDATED_AT,
                "#status": attr.STATUS,
                **({"#shard": attr.RECOVERY_SHARD, "#due": attr.RECOVERY_DUE} if done else {}),
            },
            {":committed": committed, ":cleared": cleared, ":now": now_iso(), ":confirmed": "CONFIRMED"},
        )
        return json_response({"order_id": order_id, "status": "CONFIRMED", "total_price": str(total)}, 201)

    return app
