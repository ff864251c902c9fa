"""The products service as the cart's product lookup: public reads over the shared HTTP client."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from cart_service.cart import ProductSummary
from service_kit.http import ServiceClient, reading_answer_of
from service_kit.problems import ServiceUnavailable

MAX_IDS_PER_CALL = 100


def _summary(product: dict[str, Any]) -> ProductSummary:
    with reading_answer_of("products", "product"):
        return ProductSummary(
            product_id=product["product_id"],
            name=product["name"],
            price=Decimal(str(product["price"])),
            inventory_count=int(product["inventory_count"]),
            image_url=product.get("image_url"),
        )


class ProductCatalogue:
    """Looks products up in the products service; its failures become 503 with Retry-After."""

    def __init__(self, client: ServiceClient):
        self._client = client

    def find(self, product_id: str) -> ProductSummary | None:
        reply = self._client.call("GET", f"/products/{quote(product_id, safe='')}")
        if reply.status == 404:
            return None
        if reply.status != 200:
            raise ServiceUnavailable(f"The products service answered {reply.status} for a product.")
        return _summary(reply.body)

    def find_many(self, product_ids: Sequence[str]) -> dict[str, ProductSummary]:
        """The products that exist among `product_ids`, by id: one call per 100 ids."""
        found: dict[str, ProductSummary] = {}
        for start in range(0, len(product_ids), MAX_IDS_PER_CALL):
            chunk = product_ids[start : start + MAX_IDS_PER_CALL]
            reply = self._client.call("GET", "/products", params={"ids": ",".join(chunk)})
            if reply.status != 200:
                raise ServiceUnavailable(f"The products service answered {reply.status} for a product list.")
            if not isinstance(reply.body, dict) or not isinstance(reply.body.get("items"), list):
                raise ServiceUnavailable("The products service answered with an unreadable product list.")
            for product in reply.body["items"]:
                summary = _summary(product)
                found[summary.product_id] = summary
        return found
