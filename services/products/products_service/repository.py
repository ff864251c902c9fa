"""The products table: products, and one counter item per category in use.

Category counters live in the same table under the reserved category `#categories`, so
`GET /categories` is one Query on `CategoryIndex` instead of a Scan of the catalogue, and each
counter changes in the same transaction as the product that moves it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from dynamo_common import (
    TransactionCancelled,
    batch_get,
    batch_write,
    expression_values,
    from_item,
    read_page,
    to_item,
    to_value,
    transact,
    transact_if_unchanged,
    translated_errors,
)
from dynamo_common.batch import ProgressCallback
from dynamo_common.transactions import CONDITION_FAILED
from products_service import table as attr
from products_service.catalogue import Product, ProductExists, ProductNotFound, utc_now
from service_kit.problems import Conflict

MAX_WRITE_ATTEMPTS = 5
# Batch writes in flight at once while seeding. Each waits mostly on DynamoDB, so many overlap
# even on two cores: measured on DynamoDB Local, 4 gave 4.6x a put-item loop, 8 gave 6.5x, 16 10.2x.
BULK_WRITE_WORKERS = 16
CATEGORY_COUNTERS = "#categories"
COUNTER_PREFIX = "#category#"
PRODUCT_COUNT = "ProductCount"

_PRODUCT_ATTRIBUTES = {
    "product_id": attr.PRODUCT_ID,
    "name": attr.NAME,
    "price": attr.PRICE,
    "description": attr.DESCRIPTION,
    "inventory_count": attr.INVENTORY_COUNT,
    "category": attr.CATEGORY,
    "image_url": attr.IMAGE_URL,
    "version": attr.VERSION,
    "created_at": attr.CREATED_AT,
    "updated_at": attr.UPDATED_AT,
}


def product_to_item(product: Product) -> dict[str, Any]:
    """The product's own item; a split product's item holds shard 0 of its stock."""
    values = {column: getattr(product, field) for field, column in _PRODUCT_ATTRIBUTES.items()}
    if product.stock_shards > 1:
        values[attr.INVENTORY_COUNT] = product.shard_stock[0]
        values[attr.STOCK_SHARDS] = product.stock_shards
    return to_item(values)


def product_from_item(item: dict[str, Any]) -> Product:
    """The product as its own item shows it; a split product's stock is then shard 0's alone."""
    values = from_item(item)
    fields = {field: values.get(column) for field, column in _PRODUCT_ATTRIBUTES.items()}
    fields["inventory_count"] = int(fields["inventory_count"])
    fields["version"] = int(fields["version"] or 1)
    fields["description"] = fields["description"] or ""
    fields["stock_shards"] = int(values.get(attr.STOCK_SHARDS, 1))
    return Product(**fields)


def _product_key(product_id: str, shard: int = 0) -> dict[str, Any]:
    return {attr.PRODUCT_ID: {"S": attr.stock_item_id(product_id, shard)}}


def stock_in_items(client: Any, table_name: str, item_ids: list[str], consistent: bool) -> dict[str, int]:
    """The units each of these stock items holds (item id → units); a missing item is left out."""
    items = batch_get(
        client,
        table_name,
        [{attr.PRODUCT_ID: {"S": item_id}} for item_id in item_ids],
        projection="#id, #count",
        expression_names={"#id": attr.PRODUCT_ID, "#count": attr.INVENTORY_COUNT},
        consistent=consistent,
    )
    return {item[attr.PRODUCT_ID]["S"]: int(item[attr.INVENTORY_COUNT]["N"]) for item in items}


_SHARD_NAMES = {
    "#count": attr.INVENTORY_COUNT,
    "#price": attr.SHARD_PRICE,
    "#updated": attr.UPDATED_AT,
    "#placed": attr.STOCK_PLACED,
}


class ProductRepository:
    """Products and category counters in the products table."""

    def __init__(self, client: Any, table_name: str):
        self._client = client
        self.table_name = table_name

    def get(self, product_id: str, consistent: bool = False) -> Product:
        with translated_errors():
            response = self._client.get_item(
                TableName=self.table_name, Key=_product_key(product_id), ConsistentRead=consistent
            )
        item = response.get("Item")
        if not item or attr.PRICE not in item:
            raise ProductNotFound(f"No product {product_id}.")
        [product] = self._with_shard_stock([product_from_item(item)], consistent)
        return product

    def many(self, product_ids: list[str]) -> list[Product]:
        """The products with these ids, in the order asked; unknown ids are left out."""
        items = batch_get(self._client, self.table_name, [_product_key(pid) for pid in product_ids])
        products = self._with_shard_stock([product_from_item(i) for i in items if attr.PRICE in i])
        found = {p.product_id: p for p in products}
        return [found[pid] for pid in product_ids if pid in found]

    def page(self, limit: int, start_key: dict[str, Any] | None) -> tuple[list[Product], Any]:
        """A page of the whole catalogue, in table order."""
        request = {
            "TableName": self.table_name,
            "FilterExpression": "attribute_exists(#price)",
            "ExpressionAttributeNames": {"#price": attr.PRICE},
        }
        items, last_key = read_page(self._client.scan, request, limit, start_key)
        return self._with_shard_stock([product_from_item(item) for item in items]), last_key

    def in_category(
        self, category: str, limit: int, start_key: dict[str, Any] | None
    ) -> tuple[list[Product], Any]:
        """A page of one category in name order, by Query on `CategoryIndex`."""
        request = {
            "TableName": self.table_name,
            "IndexName": attr.CATEGORY_INDEX,
            "KeyConditionExpression": "#category = :category",
            "ExpressionAttributeNames": {"#category": attr.CATEGORY},
            "ExpressionAttributeValues": {":category": to_value(category)},
        }
        items, last_key = read_page(self._client.query, request, limit, start_key)
        return self._with_shard_stock([product_from_item(item) for item in items]), last_key

    def categories(self) -> list[tuple[str, int]]:
        """The categories that hold at least one product, by name, with their product counts."""
        request = {
            "TableName": self.table_name,
            "IndexName": attr.CATEGORY_INDEX,
            "KeyConditionExpression": "#category = :counters",
            "FilterExpression": "#count > :zero",
            "ExpressionAttributeNames": {"#category": attr.CATEGORY, "#count": PRODUCT_COUNT},
            "ExpressionAttributeValues": expression_values({":counters": CATEGORY_COUNTERS, ":zero": 0}),
        }
        categories: list[tuple[str, int]] = []
        start_key = None
        while True:
            items, start_key = read_page(self._client.query, request, 1000, start_key)
            categories.extend((from_item(i)[attr.NAME], int(from_item(i)[PRODUCT_COUNT])) for i in items)
            if start_key is None:
                return categories

    def create(self, product: Product) -> None:
        put = {
            "Put": {
                "TableName": self.table_name,
                "Item": product_to_item(product),
                "ConditionExpression": "attribute_not_exists(#id)",
                "ExpressionAttributeNames": {"#id": attr.PRODUCT_ID},
            }
        }
        try:
            transact(self._client, [put, self._count_change(product.category, 1)])
        except TransactionCancelled as exc:
            if exc.codes[0] == CONDITION_FAILED:
                raise ProductExists(f"Product {product.product_id} already exists.") from exc
            raise

    def replace(self, current: Product, updated: Product) -> bool:
        """Write `updated` if the stored product is still `current`; False when it changed.

        Each shard of a split product takes `updated`'s stock and price, on condition that no
        shard's stock moved since `current` was read.
        """
        shard_writes = [
            self._set_shard(current, shard, updated.shard_stock[shard], updated.price, updated.updated_at)
            for shard in range(1, current.stock_shards)
        ]
        put = {
            "Put": {
                "TableName": self.table_name,
                "Item": product_to_item(updated),
                "ConditionExpression": "#version = :version",
                "ExpressionAttributeNames": {"#version": attr.VERSION},
                "ExpressionAttributeValues": {":version": to_value(current.version)},
            }
        }
        actions = [put, *shard_writes]
        if updated.category != current.category:
            actions += [self._count_change(current.category, -1), self._count_change(updated.category, 1)]
        return transact_if_unchanged(self._client, actions)

    def delete(self, product_id: str) -> None:
        for _ in range(MAX_WRITE_ATTEMPTS):
            current = self.get(product_id, consistent=True)
            delete = {
                "Delete": {
                    "TableName": self.table_name,
                    "Key": _product_key(product_id),
                    "ConditionExpression": "#version = :version",
                    "ExpressionAttributeNames": {"#version": attr.VERSION},
                    "ExpressionAttributeValues": {":version": to_value(current.version)},
                }
            }
            shards = [
                {"Delete": {"TableName": self.table_name, "Key": _product_key(product_id, shard)}}
                for shard in range(1, current.stock_shards)
            ]
            actions = [delete, *shards, self._count_change(current.category, -1)]
            if transact_if_unchanged(self._client, actions):
                return
        raise Conflict(f"Product {product_id} is changing too often to delete; retry.")

    def split_stock(self, current: Product, stock: list[int]) -> Product | None:
        """Spread `current`'s stock over `len(stock)` shards holding these units; None when any of
        its stock moved since `current` was read."""
        now = utc_now()
        split = replace(
            current,
            stock_shards=len(stock),
            shard_stock=tuple(stock),
            version=current.version + 1,
            updated_at=now,
        )
        own = {
            "Update": {
                "TableName": self.table_name,
                "Key": _product_key(current.product_id),
                "UpdateExpression": "SET #count = :count, #shards = :shards, #version = :next, "
                "#updated = :now",
                "ConditionExpression": "#version = :version",
                "ExpressionAttributeNames": {
                    "#count": attr.INVENTORY_COUNT,
                    "#shards": attr.STOCK_SHARDS,
                    "#version": attr.VERSION,
                    "#updated": attr.UPDATED_AT,
                },
                "ExpressionAttributeValues": expression_values(
                    {
                        ":count": stock[0],
                        ":shards": len(stock),
                        ":next": split.version,
                        ":now": now,
                        ":version": current.version,
                    }
                ),
            }
        }
        existing = [
            self._set_shard(current, shard, stock[shard], current.price, now)
            for shard in range(1, current.stock_shards)
        ]
        new = [
            self._new_shard(current, shard, stock[shard], now)
            for shard in range(current.stock_shards, len(stock))
        ]
        return split if transact_if_unchanged(self._client, [own, *existing, *new]) else None

    def existing_ids(self, product_ids: list[str]) -> set[str]:
        keys = [_product_key(pid) for pid in product_ids]
        items = batch_get(
            self._client, self.table_name, keys, projection="#id", expression_names={"#id": attr.PRODUCT_ID}
        )
        return {item[attr.PRODUCT_ID]["S"] for item in items}

    def write_many(self, products: Iterable[Product], progress: ProgressCallback | None = None) -> int:
        """Batch-write new products; call `recount` for their categories afterwards."""
        return batch_write(
            self._client,
            self.table_name,
            (product_to_item(p) for p in products),
            progress=progress,
            workers=BULK_WRITE_WORKERS,
        )

    def recount(self, category: str) -> int:
        """Set a category's counter from the index itself, healing any interrupted bulk load."""
        request = {
            "TableName": self.table_name,
            "IndexName": attr.CATEGORY_INDEX,
            "KeyConditionExpression": "#category = :category",
            "ExpressionAttributeNames": {"#category": attr.CATEGORY},
            "ExpressionAttributeValues": {":category": to_value(category)},
            "Select": "COUNT",
        }
        count, start_key = 0, None
        while True:
            arguments = dict(request, **({"ExclusiveStartKey": start_key} if start_key else {}))
            with translated_errors():
                response = self._client.query(**arguments)
            count += response["Count"]
            start_key = response.get("LastEvaluatedKey")
            if start_key is None:
                break
        with translated_errors():
            self._client.put_item(TableName=self.table_name, Item=self._counter_item(category, count))
        return count

    def ping(self) -> None:
        with translated_errors():
            self._client.describe_table(TableName=self.table_name)

    def _with_shard_stock(self, products: list[Product], consistent: bool = False) -> list[Product]:
        """The products with the stock of every shard read and summed."""
        split = [product for product in products if product.stock_shards > 1]
        if not split:
            return products
        item_ids = [
            attr.stock_item_id(p.product_id, shard) for p in split for shard in range(1, p.stock_shards)
        ]
        held = stock_in_items(self._client, self.table_name, item_ids, consistent)
        summed = []
        for product in products:
            if product.stock_shards > 1:
                others = range(1, product.stock_shards)
                stock = (
                    product.inventory_count,
                    *(held.get(attr.stock_item_id(product.product_id, shard), 0) for shard in others),
                )
                product = replace(product, inventory_count=sum(stock), shard_stock=stock)
            summed.append(product)
        return summed

    def _set_shard(
        self, current: Product, shard: int, count: int, price: Decimal, now: str
    ) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": _product_key(current.product_id, shard),
                "UpdateExpression": "SET #count = :count, #price = :price, #updated = :now "
                "ADD #placed :moved",
                "ConditionExpression": "#count = :seen",
                "ExpressionAttributeNames": _SHARD_NAMES,
                "ExpressionAttributeValues": expression_values(
                    {
                        ":count": count,
                        ":price": price,
                        ":now": now,
                        ":seen": current.shard_stock[shard],
                        ":moved": count - current.shard_stock[shard],
                    }
                ),
            }
        }

    def _new_shard(self, product: Product, shard: int, count: int, now: str) -> dict[str, Any]:
        item = {
            attr.PRODUCT_ID: attr.stock_item_id(product.product_id, shard),
            attr.SHARD_OF: product.product_id,
            attr.INVENTORY_COUNT: count,
            attr.STOCK_PLACED: count,
            attr.SHARD_PRICE: product.price,
            attr.UPDATED_AT: now,
        }
        return {
            "Put": {
                "TableName": self.table_name,
                "Item": to_item(item),
                "ConditionExpression": "attribute_not_exists(#id)",
                "ExpressionAttributeNames": {"#id": attr.PRODUCT_ID},
            }
        }

    def _counter_item(self, category: str, count: int) -> dict[str, Any]:
        return to_item(
            {
                attr.PRODUCT_ID: COUNTER_PREFIX + category,
                attr.CATEGORY: CATEGORY_COUNTERS,
                attr.NAME: category,
                PRODUCT_COUNT: count,
            }
        )

    def _count_change(self, category: str, delta: int) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": _product_key(COUNTER_PREFIX + category),
                "UpdateExpression": "SET #category = :counters, #name = :name ADD #count :delta",
                "ExpressionAttributeNames": {
                    "#category": attr.CATEGORY,
                    "#name": attr.NAME,
                    "#count": PRODUCT_COUNT,
                },
                "ExpressionAttributeValues": expression_values(
                    {":counters": CATEGORY_COUNTERS, ":name": category, ":delta": Decimal(delta)}
                ),
            }
        }
