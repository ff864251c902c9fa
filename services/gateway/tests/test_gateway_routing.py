"""The gateway routes exactly as the routes table says, and `/internal/*` never."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from gateway.front_door import FORWARDED_METHODS
from gateway.routes import PUBLIC_ROUTES, service_for

UPSTREAM_HEADER = "X-Upstream"  # set by the fake services

ROUTED_PATHS = [
    "/products",
    "/products/kitchen-cast-iron-skillet",
    "/products/a/b",
    "/products/",
    "/categories",
    "/cart",
    "/cart/items",
    "/cart/items/kitchen-mug",
    "/orders",
    "/orders/o-1",
    "/orders/o-1/cancel",
]
UNROUTED_PATHS = [
    "/productsX",
    "/product",
    "/categories/Kitchen",
    "/categoriesX",
    "/carts",
    "/cartX/items",
    "/ordersX",
    "/Products",
    "/api/products",
    "/health/products",
]
INTERNAL_PATHS = [
    "/internal",
    "/internal/",
    "/internal/reservations",
    "/internal/v1/reservations",
    "/internal/carts/alice",
    "/internal/v1/carts/alice/checkout-removals",
    "/internal/products/x",
    "/products/../internal/reservations",
    "/cart/./../internal/carts/alice",
]


def example_paths() -> list[str]:
    """A path for every pattern of the routes table, so a new pattern is tested as it is added."""
    return [pattern.replace("*", "some/thing") for route in PUBLIC_ROUTES for pattern in route.path_patterns]


@pytest.mark.parametrize("path", ROUTED_PATHS + example_paths())
def test_each_public_path_reaches_the_service_the_routes_table_names(client, fakes, path):
    expected = service_for(path)
    assert expected is not None

    response = client.get(path)

    assert response.status_code == 200
    assert response.headers[UPSTREAM_HEADER] == expected
    assert [seen["target"] for seen in fakes[expected].seen] == [path]
    assert all(not service.seen for name, service in fakes.items() if name != expected)


def test_the_routes_table_names_the_three_services():
    assert {route.service for route in PUBLIC_ROUTES} == {"products", "cart", "orders"}
    assert service_for("/categories") == "products"


def test_no_route_reaches_internal_paths():
    patterns = [pattern for route in PUBLIC_ROUTES for pattern in route.path_patterns]
    assert not any(pattern.startswith("/internal") or pattern in ("*", "/*") for pattern in patterns)


@pytest.mark.parametrize("method", FORWARDED_METHODS)
def test_every_method_is_forwarded(client, fakes, method):
    response = client.open("/orders/o-1/cancel", method=method)

    assert response.status_code == 200
    assert fakes["orders"].seen[-1]["method"] == method


@pytest.mark.parametrize("path", UNROUTED_PATHS)
def test_paths_outside_the_table_are_not_forwarded(client, fakes, expect_problem, path):
    assert service_for(path) is None

    expect_problem(client.get(path), 404)

    assert all(not service.seen for service in fakes.values())


@pytest.mark.parametrize("path", INTERNAL_PATHS)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_internal_paths_are_never_routed(client, fakes, expect_problem, path, method):
    expect_problem(client.open(path, method=method), 404)

    assert all(not service.seen for service in fakes.values())


def test_path_and_query_are_forwarded_exactly_as_sent(client, fakes):
    response = client.get("/products/a%2Fb?category=Home%20%26%20Garden&limit=2&cursor=x%3D%3D")

    assert response.status_code == 200
    assert (
        fakes["products"].seen[-1]["target"]
        == "/products/a%2Fb?category=Home%20%26%20Garden&limit=2&cursor=x%3D%3D"
    )


class KeepAliveHandler(BaseHTTPRequestHandler):
    """Answers every GET on a connection kept open, which werkzeug's test server never does."""

    protocol_version = "HTTP/1.1"
    client_ports: ClassVar[list[int]] = []

    def do_GET(self) -> None:
        self.client_ports.append(self.client_address[1])
        body = b'{"items": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_connections_to_a_service_are_pooled(make_app):
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAliveHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = make_app(PRODUCTS_URL=f"http://127.0.0.1:{server.server_port}").test_client()
        for _ in range(3):
            assert client.get("/categories").status_code == 200
    finally:
        server.shutdown()
        server.server_close()

    assert len(KeepAliveHandler.client_ports) == 3
    assert len(set(KeepAliveHandler.client_ports)) == 1
