"""Routing machinery: a public route names the service that answers a set of path patterns.

Each service declares its own public routes (`<service package>.routes.PUBLIC_ROUTES`); the gateway
assembles them into the table it routes with, and the load balancer's listener rules are tested
against that table, so the shop behaves the same on a laptop and in AWS. Patterns use the ALB's
syntax: `*` matches any run of characters. `/internal/*` is never a public route.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass

# Service-to-service paths start here; the gateway and the public load balancer never route them.
INTERNAL_PREFIX = "/internal"


@dataclass(frozen=True)
class Route:
    """Requests whose path matches one of `path_patterns` go to `service`."""

    service: str
    path_patterns: tuple[str, ...]


def matching_service(path: str, routes: Iterable[Route]) -> str | None:
    """The service of the first route matching `path`, or None when no route matches."""
    for route in routes:
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in route.path_patterns):
            return route.service
    return None
