"""The ShopSmart cart service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from cart_service.api import (
    GUEST_SECURITY_SCHEME,
    PRODUCTS_CLIENT_EXTENSION,
    REPOSITORY_EXTENSION,
    cart,
    internal,
)
from cart_service.repository import CartRepository
from cart_service.table import TABLE_SPEC
from service_kit.app import init_dynamodb, init_service, load_config, service_client
from service_kit.guests import GUEST_TOKEN_HEADER, init_guest_tokens
from service_kit.routes import INTERNAL_PREFIX

DEFAULTS: dict[str, Any] = {
    "API_TITLE": "ShopSmart cart",
    "PRODUCTS_URL": "http://127.0.0.1:8001",
    # No default: without `SHOPSMART_GUEST_TOKEN_SECRET` the cart serves signed-in users only.
    "GUEST_TOKEN_SECRET": None,
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the cart app: defaults, then `SHOPSMART_*` variables, then `config`."""
    app = Flask(__name__)
    load_config(app, DEFAULTS, config)
    client, settings = init_dynamodb(app)
    repository = CartRepository(client, settings.table_name(TABLE_SPEC))
    app.extensions[REPOSITORY_EXTENSION] = repository
    app.extensions[PRODUCTS_CLIENT_EXTENSION] = service_client(app, "products", app.config["PRODUCTS_URL"])
    init_guest_tokens(app)
    api = init_service(app, "cart", repository.ping)
    api.spec.components.security_scheme(
        GUEST_SECURITY_SCHEME, {"type": "apiKey", "in": "header", "name": GUEST_TOKEN_HEADER}
    )
    api.register_blueprint(cart)
    api.register_blueprint(internal)
    # Expand step of the move to /internal/v1: orders releases that call the old path still work.
    api.register_legacy_alias(internal, INTERNAL_PREFIX)
    return app
