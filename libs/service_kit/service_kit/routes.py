"""The public routes table: which service answers which path.

The local gateway routes with it and the load balancer's listener rules are tested against it,
so the shop behaves the same on a laptop and in AWS. Patterns use the ALB's syntax: `*` matches
any run of characters. `/internal/*` is absent on purpose: it is never routed from outside.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    """Requests whose path matches one of `path_patterns` go to `service`."""

    service: str
    path_patterns: tuple[str, ...]


PUBLIC_ROUTES: tuple[Route, ...] = (
    Route("products", ("/products", "/products/*", "/categories")),
    Route("cart", ("/cart", "/cart/*")),
    Route("orders", ("/orders", "/orders/*")),
)


def service_for(path: str) -> str | None:
    """The service that answers `path`, or None when no public route matches."""
    for route in PUBLIC_ROUTES:
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in route.path_patterns):
            return route.service
    return None
