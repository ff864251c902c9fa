"""The routes table the gateway and the load balancer share."""

from __future__ import annotations

import pytest

from service_kit.routes import PUBLIC_ROUTES, service_for


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/products", "products"),
        ("/products/kitchen-kettle", "products"),
        ("/categories", "products"),
        ("/cart", "cart"),
        ("/cart/items/abc", "cart"),
        ("/orders", "orders"),
        ("/orders/123/cancel", "orders"),
        ("/internal/reservations", None),
        ("/internal/carts/alice", None),
        ("/productsx", None),
        ("/", None),
    ],
)
def test_paths_go_to_their_service(path, service):
    assert service_for(path) == service


def test_no_route_reaches_internal_paths():
    patterns = [pattern for route in PUBLIC_ROUTES for pattern in route.path_patterns]
    assert not any(pattern.startswith("/internal") or pattern in ("*", "/*") for pattern in patterns)
