"""Loading the shipped catalogue, or a synthetic one for load tests, with batch writes.

Seeding adds the products that are missing and never changes one that exists, so running it
again never duplicates anything and never resets stock that shoppers have since bought.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from importlib import resources
from pathlib import Path

from marshmallow import ValidationError

from products_service.catalogue import Product, new_product
from products_service.repository import ProductRepository
from products_service.schemas import ProductCreateSchema

SYNTHETIC_CATEGORIES = 10
EXISTENCE_CHECK_CHUNK = 1000


class CatalogueError(Exception):
    """The catalogue file cannot be loaded; the message names the file and line."""


def shipped_catalogue() -> Path:
    return Path(str(resources.files("products_service") / "catalogue" / "products.jsonl"))


def load_catalogue(path: Path) -> list[Product]:
    """Every product of a JSON Lines file, validated by the API's own create schema.

    The whole file is checked before anything is written: one bad line and nothing is seeded.
    """
    schema = ProductCreateSchema()
    products: list[Product] = []
    first_line_of: dict[str, int] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot be read: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            fields = schema.load(json.loads(line))
        except json.JSONDecodeError as exc:
            raise CatalogueError(f"{path}:{number}: not valid JSON: {exc.msg}") from exc
        except ValidationError as exc:
            raise CatalogueError(f"{path}:{number}: {exc.messages}") from exc
        if "product_id" not in fields:
            raise CatalogueError(f"{path}:{number}: product_id is required in a catalogue file")
        if fields["product_id"] in first_line_of:
            raise CatalogueError(
                f"{path}:{number}: product_id {fields['product_id']!r} repeats line "
                f"{first_line_of[fields['product_id']]}"
            )
        first_line_of[fields["product_id"]] = number
        products.append(new_product(fields))
    if not products:
        raise CatalogueError(f"{path}: holds no products")
    return products


def synthetic_products(count: int) -> Iterator[Product]:
    """`count` deterministic products (same ids every run) spread over a few categories."""
    for number in range(1, count + 1):
        yield new_product(
            {
                "product_id": f"synthetic-{number:07d}",
                "name": f"Synthetic product {number:07d}",
                "description": "Generated for load tests.",
                "price": Decimal(number % 9900 + 100) / 100,
                "category": f"Synthetic {number % SYNTHETIC_CATEGORIES:02d}",
                "inventory_count": 1000,
            }
        )


def _chunks(products: Iterator[Product] | list[Product], size: int) -> Iterator[list[Product]]:
    chunk: list[Product] = []
    for product in products:
        chunk.append(product)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def seed(
    repository: ProductRepository,
    products: Iterator[Product] | list[Product],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the products not yet in the table; returns how many were added.

    `progress` is called with each number of products handled (written or already present).
    """
    added = 0
    categories: set[str] = set()
    for chunk in _chunks(products, EXISTENCE_CHECK_CHUNK):
        existing = repository.existing_ids([p.product_id for p in chunk])
        missing = [p for p in chunk if p.product_id not in existing]
        if progress and existing:
            progress(len(existing))
        added += repository.write_many(missing, progress=progress)
        categories.update(p.category for p in missing)
    for category in sorted(categories):
        repository.recount(category)
    return added
