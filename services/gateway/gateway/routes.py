"""The shop's public routes table, assembled from the routes each service declares.

The local gateway routes with it and the load balancer's listener rules are tested against it. The
order is the rules' priority order. `/internal/*` is absent on purpose: it is never routed from outside.
"""

from __future__ import annotations

from cart_service.routes import PUBLIC_ROUTES as CART_ROUTES
from orders_service.routes import PUBLIC_ROUTES as ORDERS_ROUTES
from products_service.routes import PUBLIC_ROUTES as PRODUCTS_ROUTES
from service_kit.routes import Route, matching_service

PUBLIC_ROUTES: tuple[Route, ...] = (*PRODUCTS_ROUTES, *CART_ROUTES, *ORDERS_ROUTES)


def service_for(path: str) -> str | None:
    """The service that answers `path`, or None when no public route matches."""
    return matching_service(path, PUBLIC_ROUTES)
