"""The catalogue's rules: products, their versions, and the categories in use."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from service_kit.problems import Conflict, NotFound, PreconditionFailed, PreconditionRequired

MAX_UPDATE_ATTEMPTS = 5


class ProductNotFound(NotFound):
    """No product has this id."""


class ProductExists(Conflict):
    """A product with this id already exists."""


class StaleVersion(PreconditionFailed):
    """The product changed since the version the caller last read."""


def split_evenly(total: int, shards: int) -> list[int]:
    """`total` units over `shards` shards, the first ones holding one more when it does not divide."""
    share, left_over = divmod(total, shards)
    return [share + (1 if shard < left_over else 0) for shard in range(shards)]


@dataclass(frozen=True)
class Product:
    """One product of the catalogue; `version` grows with every change of its own item.

    A hot product's stock is split over `stock_shards` items (`shard_stock`, as read);
    `inventory_count` is always the whole stock.
    """

    product_id: str
    name: str
    price: Decimal
    category: str
    inventory_count: int
    description: str = ""
    image_url: str | None = None
    version: int = 1
    created_at: str = ""
    updated_at: str = ""
    stock_shards: int = 1
    shard_stock: tuple[int, ...] = ()

    @property
    def etag(self) -> str:
        """The strong ETag: what an admin's `If-Match` says they saw.

        A sale from shard 0 (or of an unsplit product) moves the version, but one from another
        shard writes only that shard's item. So a split product's ETag also carries the stock it
        shows: an edit based on a read from before any sale is refused, instead of writing the
        units sold back onto the shelf.
        """
        if self.stock_shards > 1:
            return f'"{self.version}.{self.inventory_count}"'
        return f'"{self.version}"'

    def changed(self, changes: dict[str, Any], now: str) -> Product:
        """The product with `changes`; new stock of a split product is spread evenly over its shards."""
        updated = replace(self, **changes, version=self.version + 1, updated_at=now)
        if self.stock_shards > 1 and updated.inventory_count != self.inventory_count:
            stock = split_evenly(updated.inventory_count, self.stock_shards)
            updated = replace(updated, shard_stock=tuple(stock))
        return updated


def utc_now() -> str:
    return _timestamp(datetime.now(UTC))


def seconds_ago(seconds: float) -> str:
    """The moment `seconds` ago, written like `utc_now`, so the two compare as strings."""
    return _timestamp(datetime.now(UTC) - timedelta(seconds=seconds))


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_product(fields: dict[str, Any]) -> Product:
    """A product from validated create fields, with an id generated when none is given."""
    now = utc_now()
    values = dict(fields)
    values.setdefault("product_id", uuid.uuid4().hex)
    return Product(**values, version=1, created_at=now, updated_at=now)


def matches_if_match(if_match: str, product: Product) -> bool:
    """Whether an `If-Match` header allows changing `product`."""
    candidates = [tag.strip() for tag in if_match.split(",")]
    return any(tag == "*" or tag.removeprefix("W/") == product.etag for tag in candidates)


def update_product(
    repository: Any, product_id: str, changes: dict[str, Any], if_match: str | None
) -> Product:
    """Apply `changes` unless the caller's `If-Match` is stale; concurrent writers never lose work.

    `If-Match` is required (428 without it), so nobody overwrites a change they never saw. A race
    ends in 412 because the caller's version is no longer current; only `If-Match: *` (any
    version) re-reads and retries.
    """
    for _ in range(MAX_UPDATE_ATTEMPTS):
        current = repository.get(product_id, consistent=True)
        if if_match is None:
            raise PreconditionRequired(
                "Send If-Match with the product's ETag, so a change made meanwhile is not overwritten."
            )
        if not matches_if_match(if_match, current):
            raise StaleVersion(f"Product {product_id} is at version {current.etag}.")
        updated = current.changed(changes, utc_now())
        if repository.replace(current, updated):
            return updated
        if if_match.strip() != "*":
            raise StaleVersion(f"Product {product_id} changed while it was being updated.")
    raise Conflict(f"Product {product_id} is changing too often to update; retry.")
