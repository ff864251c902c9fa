"""The peer's cart app: a line added at the product's price, the cart shown with its version, and
the two steps of a checkout: the hold with the cart as held, then the bought lines' removal."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import urllib3
from botocore.exceptions import ClientError
from flask import Flask, Response, request

from bench.peer import (
    cart_version,
    forwarded,
    json_response,
    now_iso,
    peer_app,
    peer_url,
    table_name,
)
from cart_service import table as attr
from cart_service.cart import MAX_LINES
from cart_service.repository import CART_HEADER, LINE_TTL_SECONDS
from dynamo_common import expression_values, from_item
from products_service import table as product


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app, client, tokens = peer_app(__name__, config)
    carts = table_name(attr.TABLE_NAME)
    http = urllib3.PoolManager(maxsize=16, timeout=30.0)
    products_url = peer_url("products")

    def key(user_id: str, product_id: str) -> dict[str, Any]:
        return {attr.USER_ID: {"S": user_id}, attr.PRODUCT_ID: {"S": product_id}}

    def lines_of(user_id: str) -> dict[str, tuple[int, str]]:
        """The live lines, product → (quantity, time added), read strongly."""
        items = client.query(
            TableName=carts,
            ConsistentRead=True,
            KeyConditionExpression="#user = :user AND #product > :header",
            ExpressionAttributeNames={"#user": attr.USER_ID, "#product": attr.PRODUCT_ID},
            ExpressionAttributeValues=expression_values({":user": user_id, ":header": CART_HEADER}),
        )["Items"]
        lines = (from_item(item) for item in items)
        return {line[attr.PRODUCT_ID]: (int(line[attr.QUANTITY]), line[attr.ADDED_AT]) for line in lines}

    def expiry() -> int:
        return int(time.time()) + LINE_TTL_SECONDS

    @app.post("/cart/items")
    def add() -> Response:
        """A line for a product that exists, at its price; the header lists it, at most 50 lines."""
        user_id = tokens.user()
        body = request.get_json()
        product_id, quantity = body["product_id"], int(body["quantity"])
        found = http.request("GET", f"{products_url}/products/{product_id}", headers=forwarded())
        if found.status != 200:
            return Response(status=404)
        price = Decimal(found.json()[product.PRICE])
        line = {
            "Update": {
                "TableName": carts,
                "Key": key(user_id, product_id),
                "UpdateExpression": "SET #qty = if_not_exists(#qty, :zero) + :qty, "
                "#added = if_not_exists(#added, :now), #expires = :expires, #price = :price",
                "ExpressionAttributeNames": {
                    "#qty": attr.QUANTITY,
                    "#added": attr.ADDED_AT,
                    "#expires": attr.EXPIRES_AT,
                    "#price": attr.PRICE_AT_ADD,
                },
                "ExpressionAttributeValues": expression_values(
                    {":zero": 0, ":qty": quantity, ":now": now_iso(), ":expires": expiry(), ":price": price}
                ),
            }
        }
        header = {
            "Update": {
                "TableName": carts,
                "Key": key(user_id, CART_HEADER),
                "UpdateExpression": "SET #expires = :expires ADD #lines :ids",
                "ConditionExpression": "attribute_not_exists(#lines) OR size(#lines) < :max "
                "OR contains(#lines, :id)",
                "ExpressionAttributeNames": {"#expires": attr.EXPIRES_AT, "#lines": attr.LINE_PRODUCT_IDS},
                "ExpressionAttributeValues": expression_values(
                    {":expires": expiry(), ":ids": {product_id}, ":id": product_id, ":max": MAX_LINES}
                ),
            }
        }
        try:
            client.transact_write_items(TransactItems=[line, header])
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "TransactionCanceledException":
                return Response(status=409)
            raise
        return json_response({"product_id": product_id})

    @app.get("/cart")
    def show() -> Response:
        """The lines with today's prices, and the version a checkout confirms."""
        held = lines_of(tokens.user())
        prices: dict[str, str] = {}
        if held:
            found = http.request(
                "GET", f"{products_url}/products", fields={"ids": ",".join(held)}, headers=forwarded()
            )
            prices = {item[product.PRODUCT_ID]: item[product.PRICE] for item in found.json()["items"]}
        lines = [
            {"product_id": pid, "quantity": quantity, "price": prices.get(pid)}
            for pid, (quantity, _) in held.items()
        ]
        return json_response({"lines": lines, "version": cart_version(held, prices)})

    @app.post("/internal/v1/carts/<user_id>/checkout-claims")
    def claim(user_id: str) -> Response:
        """Hold the cart for the order (one cart → one order), then read exactly the lines held."""
        tokens.internal_caller()
        body = request.get_json()
        try:
            client.update_item(
                TableName=carts,
                Key=key(user_id, CART_HEADER),
                UpdateExpression="SET #claim = :order, #version = :version, #expires = :expires "
                "REMOVE #finished",
                ConditionExpression="attribute_not_exists(#claim) OR #claim = :order "
                "OR (#finished = :true AND #version <> :version)",
                ExpressionAttributeNames={
                    "#claim": attr.CHECKOUT_CLAIM,
                    "#version": attr.CHECKOUT_CLAIM_VERSION,
                    "#finished": attr.CHECKOUT_CLAIM_FINISHED,
                    "#expires": attr.EXPIRES_AT,
                },
                ExpressionAttributeValues=expression_values(
                    {
                        ":order": body["order_id"],
                        ":version": body["cart_version"],
                        ":true": True,
                        ":expires": expiry(),
                    }
                ),
            )
        except client.exceptions.ConditionalCheckFailedException:
            return Response(status=409)
        read_at = now_iso()
        return json_response({"lines": lines_of(user_id), "read_at": read_at})

    @app.post("/internal/v1/carts/<user_id>/checkout-claims/<order_id>/release")
    def release(user_id: str, order_id: str) -> Response:
        """A failed checkout lets go of the cart, so the shopper can try again."""
        tokens.internal_caller()
        try:
            client.update_item(
                TableName=carts,
                Key=key(user_id, CART_HEADER),
                UpdateExpression="REMOVE #claim, #version",
                ConditionExpression="#claim = :order",
                ExpressionAttributeNames={
                    "#claim": attr.CHECKOUT_CLAIM,
                    "#version": attr.CHECKOUT_CLAIM_VERSION,
                },
                ExpressionAttributeValues=expression_values({":order": order_id}),
            )
        except client.exceptions.ConditionalCheckFailedException:
            return Response(status=409)
        return Response(status=204)

    @app.post("/internal/v1/carts/<user_id>/checkout-removals")
    def remove_bought(user_id: str) -> Response:
        """The bought lines leave once, and the hold is marked done, in one transaction: a line
        added or changed since the hold read it stays."""
        tokens.internal_caller()
        body = request.get_json()
        bought: dict[str, int] = {pid: quantity for pid, (quantity, _) in body["lines"].items()}
        deletes = [
            {
                "Delete": {
                    "TableName": carts,
                    "Key": key(user_id, pid),
                    "ConditionExpression": "#added <= :read_at AND #qty <= :bought",
                    "ExpressionAttributeNames": {"#added": attr.ADDED_AT, "#qty": attr.QUANTITY},
                    "ExpressionAttributeValues": expression_values(
                        {":read_at": body["read_at"], ":bought": quantity}
                    ),
                }
            }
            for pid, quantity in bought.items()
        ]
        header = {
            "Update": {
                "TableName": carts,
                "Key": key(user_id, CART_HEADER),
                "UpdateExpression": "SET #finished = :true DELETE #lines :ids",
                "ConditionExpression": "#claim = :order",
                "ExpressionAttributeNames": {
                    "#finished": attr.CHECKOUT_CLAIM_FINISHED,
                    "#lines": attr.LINE_PRODUCT_IDS,
                    "#claim": attr.CHECKOUT_CLAIM,
                },
                "ExpressionAttributeValues": expression_values(
                    {":true": True, ":ids": set(bought), ":order": body["order_id"]}
                ),
            }
        }
        try:
            client.transact_write_items(TransactItems=[*deletes, header])
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "TransactionCanceledException":
                return Response(status=409)
            raise
        return Response(status=204)

    return app
