"""The floor of a Flask service: the thinnest Flask + boto3 app serving the same reads.

`make bench` runs it under the same gunicorn settings as the services and compares each read
with it: what the services spend beyond this is what their own layers (auth, schemas, metrics,
logging) cost. Reads only, with the same DynamoDB calls as the services: GetItem for a product,
a CategoryIndex Query for a page, BatchGetItem for `?ids=`, and for a cart the bearer token's
signature checked, the cart Query, then the products by `?ids=` over HTTP, as the cart service does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

import boto3
import jwt
import urllib3
from boto3.dynamodb.types import TypeDeserializer
from flask import Flask, Response, request

from cart_service import table as cart_table
from products_service import table as product_table

PEER_URL_VARIABLE = "BENCH_PEER_URL"
_deserializer = TypeDeserializer()


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def _json(document: Any) -> Response:
    return Response(json.dumps(document, default=str), mimetype="application/json")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The peer app; its settings come from the same environment variables as the services'."""
    app = Flask(__name__)
    settings = {
        "prefix": os.environ.get("SHOPSMART_TABLE_PREFIX", ""),
        "jwks_url": os.environ.get("SHOPSMART_JWKS_URL", ""),
        "issuer": os.environ.get("SHOPSMART_JWT_ISSUER", "shopsmart-local"),
        "self_url": os.environ.get(PEER_URL_VARIABLE, ""),
        **(config or {}),
    }
    client = boto3.client(
        "dynamodb",
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL_DYNAMODB"),
    )
    products = settings["prefix"] + product_table.TABLE_NAME
    carts = settings["prefix"] + cart_table.TABLE_NAME
    keys = {
        key.key_id: key
        for key in jwt.PyJWKSet.from_json(
            Path(url2pathname(urlparse(settings["jwks_url"]).path)).read_text()
        ).keys
    }
    http = urllib3.PoolManager(maxsize=16)

    @app.get("/health/ready")
    def ready() -> Response:
        return _json({"status": "ready"})

    @app.get("/products/<product_id>")
    def product(product_id: str) -> Response:
        item = client.get_item(TableName=products, Key={product_table.PRODUCT_ID: {"S": product_id}}).get(
            "Item"
        )
        return _json(_plain(item)) if item else Response(status=404)

    @app.get("/products")
    def listing() -> Response:
        if "ids" in request.args:
            ids = request.args["ids"].split(",")
            response = client.batch_get_item(
                RequestItems={products: {"Keys": [{product_table.PRODUCT_ID: {"S": pid}} for pid in ids]}}
            )
            return _json({"items": [_plain(item) for item in response["Responses"][products]]})
        response = client.query(
            TableName=products,
            IndexName=product_table.CATEGORY_INDEX,
            KeyConditionExpression=f"{product_table.CATEGORY} = :c",
            ExpressionAttributeValues={":c": {"S": request.args["category"]}},
            Limit=int(request.args.get("limit", "20")),
        )
        return _json({"items": [_plain(item) for item in response["Items"]]})

    @app.get("/cart")
    def cart() -> Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        key = keys[jwt.get_unverified_header(token)["kid"]]
        claims = jwt.decode(
            token, key.key, algorithms=["RS256"], issuer=settings["issuer"], options={"verify_aud": False}
        )
        lines = client.query(
            TableName=carts,
            ConsistentRead=True,
            KeyConditionExpression=f"{cart_table.USER_ID} = :u",
            ExpressionAttributeValues={":u": {"S": claims["sub"]}},
        )["Items"]
        ids = ",".join(line[cart_table.PRODUCT_ID]["S"] for line in lines)
        found = json.loads(http.request("GET", f"{settings['self_url']}/products", fields={"ids": ids}).data)
        return _json({"lines": [_plain(line) for line in lines], "products": found["items"]})

    return app
