"""The products service as a dependency: its answers mapped, and its outages turned into 503."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from cart_service.api import PRODUCTS_CLIENT_EXTENSION
from cart_service.catalogue import ProductCatalogue
from service_kit.app import service_client
from service_kit.http import ClientSettings, Reply, ServiceClient
from service_kit.problems import ServiceUnavailable


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_products_down_is_503_with_retry_after(app, client, alice, products, closed_port, expect_problem):
    products.add("p1")
    assert (
        client.post("/cart/items", json={"product_id": "p1", "quantity": 1}, headers=alice).status_code == 200
    )
    app.config["HTTP_RETRIES"] = 0
    app.extensions[PRODUCTS_CLIENT_EXTENSION] = service_client(
        app, "products", f"http://127.0.0.1:{closed_port}"
    )
    for response in (
        client.get("/cart", headers=alice),
        client.post("/cart/items", json={"product_id": "p1", "quantity": 1}, headers=alice),
        client.put("/cart/items/p1", json={"quantity": 5}, headers=alice),
    ):
        expect_problem(response, 503)
        assert int(response.headers["Retry-After"]) > 0
    app.extensions[PRODUCTS_CLIENT_EXTENSION] = products
    assert [item["quantity"] for item in client.get("/cart", headers=alice).json["items"]] == [1]


def test_products_slow_is_503_not_a_hang(app, client, alice, products, silent_port, expect_problem):
    products.add("p1")
    client.post("/cart/items", json={"product_id": "p1", "quantity": 1}, headers=alice)
    settings = ClientSettings(connect_timeout=0.5, read_timeout=0.1, retries=0)
    app.extensions[PRODUCTS_CLIENT_EXTENSION] = ServiceClient(
        "products", f"http://127.0.0.1:{silent_port}", settings=settings
    )
    response = client.get("/cart", headers=alice)
    expect_problem(response, 503)
    assert "Retry-After" in response.headers


def test_removing_or_emptying_needs_no_products_service(app, client, alice, products, closed_port):
    products.add("p1")
    products.add("p2")
    for product_id in ("p1", "p2"):
        client.post("/cart/items", json={"product_id": product_id, "quantity": 1}, headers=alice)
    app.extensions[PRODUCTS_CLIENT_EXTENSION] = service_client(
        app, "products", f"http://127.0.0.1:{closed_port}"
    )
    assert client.delete("/cart/items/p1", headers=alice).status_code == 204
    assert client.delete("/cart", headers=alice).status_code == 204


class ScriptedClient:
    """Answers every call with the next scripted reply."""

    def __init__(self, *replies: Reply):
        self.replies = list(replies)
        self.calls: list[tuple[str, str, Any]] = []

    def call(self, method: str, path: str, *, params: Any = None, **_: Any) -> Reply:
        self.calls.append((method, path, params))
        return self.replies.pop(0)


PRODUCT = {"product_id": "p1", "name": "Teapot", "price": "19.99", "inventory_count": 4, "image_url": None}


def test_find_maps_200_and_404_and_quotes_the_id():
    client = ScriptedClient(Reply(200, PRODUCT), Reply(404, {"status": 404}))
    catalogue = ProductCatalogue(client)
    found = catalogue.find("p1")
    assert found is not None and str(found.price) == "19.99" and found.inventory_count == 4
    assert catalogue.find("a b") is None
    assert [call[1] for call in client.calls] == ["/products/p1", "/products/a%20b"]


@pytest.mark.parametrize(
    "reply",
    [
        Reply(429, {"status": 429}),
        Reply(401, {"status": 401}),
        Reply(200, {"product_id": "p1"}),
        Reply(200, {**PRODUCT, "price": "abc"}),
        Reply(200, None),
    ],
)
def test_an_unexpected_answer_to_find_is_503(reply):
    with pytest.raises(ServiceUnavailable):
        ProductCatalogue(ScriptedClient(reply)).find("p1")


@pytest.mark.parametrize("reply", [Reply(400, {"status": 400}), Reply(200, None), Reply(200, {"items": 3})])
def test_an_unexpected_answer_to_find_many_is_503(reply):
    with pytest.raises(ServiceUnavailable):
        ProductCatalogue(ScriptedClient(reply)).find_many(["p1"])


def test_find_many_asks_100_ids_a_call():
    ids = [f"p{number}" for number in range(150)]
    client = ScriptedClient(Reply(200, {"items": [PRODUCT]}), Reply(200, {"items": []}))
    found = ProductCatalogue(client).find_many(ids)
    assert list(found) == ["p1"]
    assert [len(params["ids"].split(",")) for _, _, params in client.calls] == [100, 50]
