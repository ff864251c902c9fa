"""The public paths the cart service answers; the gateway and the load balancer route them here."""

from __future__ import annotations

from service_kit.routes import Route

PUBLIC_ROUTES: tuple[Route, ...] = (Route("cart", ("/cart", "/cart/*")),)
