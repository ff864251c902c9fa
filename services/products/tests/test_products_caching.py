"""The catalogue's read path for a sale: shared caches may keep its answers for seconds, a
revalidation that finds nothing changed is a bodiless 304, and a change of stock is a change."""

from __future__ import annotations

import pytest

from products_service import stock_shards
from products_service.api import CATEGORIES_CACHING, LISTING_CACHING, PRODUCT_CACHING

RESERVATIONS = "/internal/v1/reservations"


class LastShardFirst:
    """Stands in for `random` where the reservation picks shards: always the last shard first."""

    def randrange(self, stop: int) -> int:
        return stop - 1

    def sample(self, population: range, count: int) -> list[int]:
        return list(reversed(population))[:count]


@pytest.fixture
def teapot(make_product) -> dict:
    return make_product(product_id="teapot", inventory_count=5)


def revalidated(client, path: str, etag: str):
    return client.get(path, headers={"If-None-Match": etag})


def test_a_product_may_be_kept_by_shared_caches_for_seconds(client, teapot):
    response = client.get("/products/teapot")
    assert response.headers["Cache-Control"] == PRODUCT_CACHING.cache_control
    assert "stale-while-revalidate=" in response.headers["Cache-Control"]
    assert response.headers["ETag"] == '"1"'


def test_an_unchanged_product_is_revalidated_with_a_bodiless_304(client, teapot):
    etag = client.get("/products/teapot").headers["ETag"]
    response = revalidated(client, "/products/teapot", etag)
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == etag


def test_an_edited_product_is_sent_whole(client, admin, teapot):
    etag = client.get("/products/teapot").headers["ETag"]
    client.patch("/products/teapot", json={"price": "21.00"}, headers={**admin, "If-Match": etag})
    response = revalidated(client, "/products/teapot", etag)
    assert response.status_code == 200
    assert response.json["price"] == "21.00"


def test_a_sale_of_the_product_changes_its_etag(client, service, teapot):
    etag = client.get("/products/teapot").headers["ETag"]
    order = {"order_id": "order-1", "items": [{"product_id": "teapot", "quantity": 2}]}
    assert client.post(RESERVATIONS, json=order, headers=service).status_code == 201
    response = revalidated(client, "/products/teapot", etag)
    assert response.status_code == 200
    assert response.json["inventory_count"] == 3


def test_a_sale_of_a_split_product_changes_its_etag(client, admin, service, teapot, monkeypatch):
    split = client.put("/products/teapot/stock-shards", json={"shards": 4}, headers=admin)
    etag = split.headers["ETag"]
    # The unit comes from the last shard, not the product's own item (shard 0) whose version moves.
    monkeypatch.setattr(stock_shards, "random", LastShardFirst())
    order = {"order_id": "order-1", "items": [{"product_id": "teapot", "quantity": 1}]}
    assert client.post(RESERVATIONS, json=order, headers=service).status_code == 201
    response = revalidated(client, "/products/teapot", etag)
    assert response.status_code == 200
    assert response.json["inventory_count"] == 4


@pytest.mark.parametrize(
    ("path", "policy"),
    [
        ("/products", LISTING_CACHING),
        ("/products?category=Kitchen", LISTING_CACHING),
        ("/products?ids=teapot", LISTING_CACHING),
        ("/categories", CATEGORIES_CACHING),
    ],
)
def test_catalogue_pages_are_cached_and_revalidated_by_their_content(
    client, make_product, teapot, path, policy
):
    first = client.get(path)
    assert first.headers["Cache-Control"] == policy.cache_control
    assert revalidated(client, path, first.headers["ETag"]).status_code == 304
    make_product(product_id="mug", name="Mug")
    assert (
        revalidated(client, path.replace("ids=teapot", "ids=teapot,mug"), first.headers["ETag"]).status_code
        == 200
    )


@pytest.mark.parametrize("path", ["/products/teapot", "/products?ids=teapot", "/categories"])
def test_a_signed_in_shoppers_answer_is_never_stored(client, shopper, teapot, path):
    assert client.get(path, headers=shopper).headers["Cache-Control"] == "no-store"


def test_the_document_offers_if_none_match_on_every_catalogue_read(client):
    paths = client.get("/openapi.json").json["paths"]
    for path in ("/products", "/products/{product_id}", "/categories"):
        operation = paths[path]["get"]
        assert "304" in operation["responses"], path
        assert "If-None-Match" in {parameter["name"] for parameter in operation["parameters"]}, path
    assert "304" not in paths["/products/{product_id}"]["patch"]["responses"]
