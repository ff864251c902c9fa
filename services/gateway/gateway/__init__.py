"""ShopSmart's local gateway: the web shop's files, and the public API routed like the load balancer.

In AWS an Application Load Balancer routes `/products*`, `/categories`, `/cart*` and `/orders*` to
the services; on a laptop this app does the same with the same routes table
(`gateway.routes`, assembled from each service's own), so the page works unchanged against either.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from devstack.keys import ensure_dev_keys
from gateway.dev_sign_in import DEV_KEYS_EXTENSION, dev_sign_in
from gateway.front_door import INDEX_FILE, SIGN_IN_ORIGINS_EXTENSION, UPSTREAMS_EXTENSION, front_door
from gateway.routes import PUBLIC_ROUTES
from gateway.upstreams import Upstreams, UpstreamSettings
from gateway.web_config import WEB_CONFIG_EXTENSION, parse_web_config, sign_in_origins, web_config
from service_kit.app import load_config
from service_kit.errors import refuse_overlong_urls, register_error_handlers
from service_kit.health import register_health
from service_kit.observability import configure_logging, install_request_observability
from service_kit.request_guards import guard_request_bodies, keep_private_answers_private

SERVICE_NAME = "gateway"
# The repository's frontend/ when the gateway runs from a checkout (pip install -e).
DEFAULT_FRONTEND_DIR = Path(__file__).resolve().parents[3] / "frontend"

DEFAULTS: dict[str, Any] = {
    "PRODUCTS_URL": "http://127.0.0.1:8001",
    "CART_URL": "http://127.0.0.1:8002",
    "ORDERS_URL": "http://127.0.0.1:8003",
    "FRONTEND_DIR": str(DEFAULT_FRONTEND_DIR),
    "UPSTREAM_CONNECT_TIMEOUT": 1.0,
    "UPSTREAM_READ_TIMEOUT": 30.0,
    "UPSTREAM_POOL_SIZE": 32,
    "RETRY_AFTER_SECONDS": 2,
    # Off unless the local stack switches it on: nowhere else may anyone mint a token.
    "DEV_SIGN_IN": False,
    "DEV_SIGNING_KEY_DIR": None,
    "DEV_TOKEN_TTL_SECONDS": 8 * 3600,
    # Every request body of the API is a small JSON document.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # The web shop's sign-in settings (see gateway.web_config); without them nobody can sign in.
    "WEB_CONFIG": None,
}


class GatewayConfigError(ValueError):
    """The gateway's configuration cannot work (e.g. dev sign-in without a signing key)."""


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the gateway: defaults, then `SHOPSMART_*` variables, then `config`."""
    app = Flask(__name__, static_folder=None)
    # `/products//x` is forwarded as sent, as the load balancer does, not redirected.
    app.url_map.merge_slashes = False
    load_config(app, DEFAULTS, config)
    configure_logging(SERVICE_NAME, app.config["LOG_LEVEL"])
    page = Path(app.config["FRONTEND_DIR"]) / INDEX_FILE
    if not page.is_file():
        raise GatewayConfigError(f"no web shop at {page.parent} (set SHOPSMART_FRONTEND_DIR)")
    app.extensions[UPSTREAMS_EXTENSION] = Upstreams(_service_urls(app), _upstream_settings(app))
    register_error_handlers(app)
    install_request_observability(app, SERVICE_NAME)
    refuse_overlong_urls(app)
    guard_request_bodies(app)
    keep_private_answers_private(app)
    register_health(app, functools.partial(_check_page, page))
    if _dev_sign_in_enabled(app):
        key_dir = app.config["DEV_SIGNING_KEY_DIR"]
        if not key_dir:
            raise GatewayConfigError("DEV_SIGN_IN needs DEV_SIGNING_KEY_DIR (the development key)")
        app.extensions[DEV_KEYS_EXTENSION] = ensure_dev_keys(Path(key_dir))
        app.register_blueprint(dev_sign_in)
    if app.config["WEB_CONFIG"]:
        document = parse_web_config(app.config["WEB_CONFIG"])
        app.extensions[WEB_CONFIG_EXTENSION] = document
        app.extensions[SIGN_IN_ORIGINS_EXTENSION] = sign_in_origins(document)
    app.register_blueprint(web_config)
    app.register_blueprint(front_door)
    return app


def _service_urls(app: Flask) -> dict[str, str]:
    """Each routed service's base URL, from `<NAME>_URL` (e.g. SHOPSMART_PRODUCTS_URL)."""
    return {route.service: app.config[f"{route.service.upper()}_URL"] for route in PUBLIC_ROUTES}


def _upstream_settings(app: Flask) -> UpstreamSettings:
    config = app.config
    return UpstreamSettings(
        connect_timeout=float(config["UPSTREAM_CONNECT_TIMEOUT"]),
        read_timeout=float(config["UPSTREAM_READ_TIMEOUT"]),
        pool_size=int(config["UPSTREAM_POOL_SIZE"]),
        retry_after_seconds=int(config["RETRY_AFTER_SECONDS"]),
    )


def _check_page(page: Path) -> None:
    """Ready while the web shop's page is there to serve (the services have their own checks)."""
    if not page.is_file():
        raise FileNotFoundError(page)


def _dev_sign_in_enabled(app: Flask) -> bool:
    # from_prefixed_env reads "true" as JSON; a value it cannot parse stays a string.
    value = app.config["DEV_SIGN_IN"]
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)
