"""The peer's products app: catalogue reads, and the reservation a checkout takes stock with."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from flask import Flask, Response, request

from bench.peer import (
    cart_version,
    json_response,
    now_iso,
    peer_app,
    table_name,
)
from dynamo_common import expression_values, from_item, to_item
from products_service import table as attr
from products_service.reservation_repository import HELD_SHARD_VALUE, RESERVATION_PREFIX


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app, client, tokens = peer_app(__name__, config)
    products = table_name(attr.TABLE_NAME)

    def key(product_id: str) -> dict[str, Any]:
        return {attr.PRODUCT_ID: {"S": product_id}}

    def batch(ids: list[str]) -> list[dict[str, Any]]:
        response = client.batch_get_item(RequestItems={products: {"Keys": [key(pid) for pid in ids]}})
        return [from_item(item) for item in response["Responses"][products]]

    @app.get("/products/<product_id>")
    def product(product_id: str) -> Response:
        item = client.get_item(TableName=products, Key=key(product_id)).get("Item")
        return json_response(from_item(item)) if item else Response(status=404)

    @app.get("/products")
    def listing() -> Response:
        if "ids" in request.args:
            return json_response({"items": batch(request.args["ids"].split(","))})
        response = client.query(
            TableName=products,
            IndexName=attr.CATEGORY_INDEX,
            KeyConditionExpression="#c = :c",
            ExpressionAttributeNames={"#c": attr.CATEGORY},
            ExpressionAttributeValues={":c": {"S": request.args["category"]}},
            Limit=int(request.args.get("limit", "20")),
        )
        return json_response({"items": [from_item(item) for item in response["Items"]]})

    @app.post("/internal/v1/reservations")
    def reserve() -> Response:
        """Take the lines' stock at the prices the shopper confirmed, and record the reservation,
        in one transaction: 409 when the cart's prices moved or a line is short."""
        tokens.internal_caller()
        body = request.get_json()
        held = {pid: (int(quantity), added) for pid, (quantity, added) in body["lines"].items()}
        quantities = {pid: quantity for pid, (quantity, _) in held.items()}
        found = {item[attr.PRODUCT_ID]: item for item in batch(list(quantities))}
        prices = {pid: str(item[attr.PRICE]) for pid, item in found.items()}
        if set(found) != set(quantities) or cart_version(held, prices) != body["cart_version"]:
            return json_response({"refused": "cart-changed"}, 409)
        now = now_iso()
        lines = [
            {
                attr.PRODUCT_ID: pid,
                attr.NAME: found[pid][attr.NAME],
                attr.UNIT_PRICE: found[pid][attr.PRICE],
                attr.QUANTITY: quantity,
            }
            for pid, quantity in quantities.items()
        ]
        takes = [
            {
                "Update": {
                    "TableName": products,
                    "Key": key(pid),
                    "UpdateExpression": "SET #count = #count - :q, #version = #version + :one, "
                    "#updated = :now",
                    "ConditionExpression": "#count >= :q AND #price = :price",
                    "ExpressionAttributeNames": {
                        "#count": attr.INVENTORY_COUNT,
                        "#version": attr.VERSION,
                        "#updated": attr.UPDATED_AT,
                        "#price": attr.PRICE,
                    },
                    "ExpressionAttributeValues": expression_values(
                        {":q": quantity, ":one": 1, ":now": now, ":price": found[pid][attr.PRICE]}
                    ),
                }
            }
            for pid, quantity in quantities.items()
        ]
        reservation = {
            attr.PRODUCT_ID: RESERVATION_PREFIX + body["order_id"],
            attr.STATUS: "RESERVED",
            attr.RESERVATION_ITEMS: lines,
            attr.HELD_SHARD: HELD_SHARD_VALUE,
            attr.HELD_SINCE: now,
            attr.CREATED_AT: now,
            attr.UPDATED_AT: now,
        }
        put = {
            "Put": {
                "TableName": products,
                "Item": to_item(reservation),
                "ConditionExpression": "attribute_not_exists(#id)",
                "ExpressionAttributeNames": {"#id": attr.PRODUCT_ID},
            }
        }
        try:
            client.transact_write_items(TransactItems=[*takes, put])
        except ClientError as exc:
            reasons = [reason.get("Code") for reason in exc.response.get("CancellationReasons", [])]
            if reasons[-1:] == ["ConditionalCheckFailed"]:
                return json_response({"refused": "reserved-already"}, 409)
            if "ConditionalCheckFailed" in reasons:
                return json_response({"refused": "out-of-stock"}, 409)
            raise
        return json_response({"lines": lines}, 201)

    @app.post("/internal/v1/reservations/<order_id>/commit")
    def commit(order_id: str) -> Response:
        """Reserved becomes sold once; it leaves the held reservations' index."""
        tokens.internal_caller()
        try:
            client.update_item(
                TableName=products,
                Key=key(RESERVATION_PREFIX + order_id),
                UpdateExpression="SET #status = :committed, #updated = :now REMOVE #held, #since",
                ConditionExpression="#status = :reserved",
                ExpressionAttributeNames={
                    "#status": attr.STATUS,
                    "#updated": attr.UPDATED_AT,
                    "#held": attr.HELD_SHARD,
                    "#since": attr.HELD_SINCE,
                },
                ExpressionAttributeValues=expression_values(
                    {":committed": "COMMITTED", ":reserved": "RESERVED", ":now": now_iso()}
                ),
            )
        except client.exceptions.ConditionalCheckFailedException:
            return Response(status=409)
        return Response(status=204)

    return app
