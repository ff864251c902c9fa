"""Routes of the products API: thin views over the catalogue rules and the repository."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView

from dynamo_common import CursorCodec
from products_service.catalogue import new_product, update_product
from products_service.repository import ProductRepository
from products_service.schemas import (
    MAX_IDS_PER_REQUEST,
    CategoryListSchema,
    ProductCreateSchema,
    ProductListArgsSchema,
    ProductPageSchema,
    ProductSchema,
    ProductUpdateSchema,
    StockShardsSchema,
)
from products_service.stock_shards import split_product
from service_kit.api_docs import conditional_get, problem_responses, response_links
from service_kit.arguments import ShopBlueprint
from service_kit.auth import admin_required
from service_kit.http_cache import SharedCaching, caching_headers
from service_kit.identifiers import ID_RULE, is_valid_id
from service_kit.problems import ValidationFailed

REPOSITORY_EXTENSION = "products.repository"
CURSOR_EXTENSION = "products.cursors"
# How stale a shared cache may serve the catalogue: the stock a page shows may be seconds old,
# because the checkout, not the page, decides whether stock is left. A revalidation after
# max-age costs one read and, unchanged, a 304 without a body.
PRODUCT_CACHING = SharedCaching(max_age=5, stale_while_revalidate=30)
LISTING_CACHING = SharedCaching(max_age=10, stale_while_revalidate=30)
CATEGORIES_CACHING = SharedCaching(max_age=30, stale_while_revalidate=60)
ADMIN_ONLY = [{"bearerAuth": []}]  # documented per write; auth is checked before the body
PRODUCT_LINKS = {
    "GetProduct": ("/products/{product_id}", "get", "product_id"),
    "ChangeProduct": ("/products/{product_id}", "patch", "product_id"),
    "DeleteProduct": ("/products/{product_id}", "delete", "product_id"),
}
IF_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The product's ETag as last read.",
    "schema": {"type": "string", "minLength": 1},
}

products = ShopBlueprint("products", __name__, description="The catalogue")
categories = ShopBlueprint("categories", __name__, description="Categories in use")


def _repository() -> ProductRepository:
    return current_app.extensions[REPOSITORY_EXTENSION]


def _cursors() -> CursorCodec:
    return current_app.extensions[CURSOR_EXTENSION]


def _parse_ids(raw: str) -> list[str]:
    """The ids of `?ids=`, each entry exactly as sent: like a path segment, an entry is an id or
    the request is refused (422 naming it), never trimmed into one (`a%0A` is not `a`)."""
    entries = raw.split(",")
    if len(entries) > MAX_IDS_PER_REQUEST:
        raise ValidationFailed(
            f"At most {MAX_IDS_PER_REQUEST} ids at once.",
            errors={"query": {"ids": [f"At most {MAX_IDS_PER_REQUEST} ids."]}},
        )
    bad = [
        f"Entry {number} ({entry!r}): {ID_RULE}"
        for number, entry in enumerate(entries, 1)
        if not is_valid_id(entry)
    ]
    if bad:
        raise ValidationFailed(f"Malformed ids: {bad[0]}", errors={"query": {"ids": bad[:5]}})
    return list(dict.fromkeys(entries))


@products.route("/products")
class Products(MethodView):
    @products.arguments(ProductListArgsSchema, location="query")
    @products.response(200, ProductPageSchema)
    @problem_responses(products, 400)
    @conditional_get(products)
    def get(self, args: dict[str, Any]) -> Any:
        """A page of products: all, one category (name order), or up to 100 by id; shared caches
        may keep it (`Cache-Control`, an ETag of the page, 304 to a matching `If-None-Match`)."""
        if "ids" in args:
            page = {"items": _repository().many(_parse_ids(args["ids"])), "next_cursor": None}
            return page, caching_headers(LISTING_CACHING)
        category = args.get("category")
        scope = f"products?category={category}" if category else "products"
        start_key = _cursors().decode(args.get("cursor"), scope)
        if category:
            items, last_key = _repository().in_category(category, args["limit"], start_key)
        else:
            items, last_key = _repository().page(args["limit"], start_key)
        page = {"items": items, "next_cursor": _cursors().encode(last_key, scope)}
        return page, caching_headers(LISTING_CACHING)

    @admin_required
    @products.arguments(ProductCreateSchema)
    @products.response(201, ProductSchema)
    @problem_responses(products, 409)
    @products.doc(security=ADMIN_ONLY, **response_links(201, PRODUCT_LINKS))
    def post(self, fields: dict[str, Any]) -> Any:
        """Create a product (admin)."""
        product = new_product(fields)
        _repository().create(product)
        return product, {"ETag": product.etag, "Location": f"/products/{product.product_id}"}


@products.route("/products/<id:product_id>")
class ProductById(MethodView):
    @products.response(200, ProductSchema)
    @problem_responses(products, 404)
    @conditional_get(products)
    def get(self, product_id: str) -> Any:
        """One product, with its ETag (304 to a matching `If-None-Match`); shared caches may keep
        it for seconds, so the stock shown may be that old; the checkout decides."""
        product = _repository().get(product_id)
        return product, caching_headers(PRODUCT_CACHING, product.etag)

    @admin_required
    @products.arguments(ProductUpdateSchema)
    @products.response(200, ProductSchema)
    @problem_responses(products, 404, 409, 412, 428)
    @products.doc(security=ADMIN_ONLY, parameters=[IF_MATCH_PARAMETER])
    def patch(self, changes: dict[str, Any], product_id: str) -> Any:
        """Change fields of a product (admin); `If-Match` with its ETag is required (428 without
        it), and a stale one is refused with 412."""
        product = update_product(_repository(), product_id, changes, request.headers.get("If-Match"))
        return product, {"ETag": product.etag}

    @admin_required
    @products.response(204)
    @problem_responses(products, 404, 409)
    @products.doc(security=ADMIN_ONLY)
    def delete(self, product_id: str) -> None:
        """Delete a product (admin)."""
        _repository().delete(product_id)


@products.route("/products/<id:product_id>/stock-shards")
class ProductStockShards(MethodView):
    @admin_required
    @products.arguments(StockShardsSchema)
    @products.response(200, ProductSchema)
    @problem_responses(products, 404, 409)
    @products.doc(security=ADMIN_ONLY)
    def put(self, body: dict[str, Any], product_id: str) -> Any:
        """Split a hot product's stock evenly over more items (admin), so its sale can write
        faster than one item allows; the shown stock stays the sum. Shards only grow (409)."""
        product = split_product(_repository(), product_id, body["shards"])
        return product, {"ETag": product.etag}


@categories.route("/categories")
class Categories(MethodView):
    @categories.response(200, CategoryListSchema)
    @conditional_get(categories)
    def get(self) -> Any:
        """The categories that hold products, by name."""
        items = [{"name": name, "product_count": count} for name, count in _repository().categories()]
        return {"items": items}, caching_headers(CATEGORIES_CACHING)
