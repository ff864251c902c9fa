"""The ShopSmart products service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from products_service.api import CURSOR_EXTENSION, REPOSITORY_EXTENSION, categories, products
from products_service.cli import register_cli
from products_service.internal_api import HOT_WATCH_EXTENSION, RESERVATIONS_EXTENSION, internal
from products_service.repository import ProductRepository
from products_service.reservation_repository import ReservationRepository
from products_service.stock_shards import HotProductWatch
from products_service.table import TABLE_SPEC
from service_kit.app import init_cursors, init_dynamodb, init_service, load_config
from service_kit.routes import INTERNAL_PREFIX

DEFAULTS: dict[str, Any] = {
    "API_TITLE": "ShopSmart products",
    # A product is split over HOT_PRODUCT_SHARDS stock items once one process reserves it more
    # often than this a second (each process sees its share of the traffic); 0 turns it off.
    "HOT_PRODUCT_RESERVATIONS_PER_SECOND": 50,
    "HOT_PRODUCT_SHARDS": 8,
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the products app: defaults, then `SHOPSMART_*` variables, then `config`."""
    app = Flask(__name__)
    load_config(app, DEFAULTS, config)
    client, settings = init_dynamodb(app)
    repository = ProductRepository(client, settings.table_name(TABLE_SPEC))
    app.extensions[REPOSITORY_EXTENSION] = repository
    app.extensions[RESERVATIONS_EXTENSION] = ReservationRepository(client, repository.table_name)
    app.extensions[CURSOR_EXTENSION] = init_cursors(app, settings)
    hot_threshold = float(app.config["HOT_PRODUCT_RESERVATIONS_PER_SECOND"])
    app.extensions[HOT_WATCH_EXTENSION] = HotProductWatch(hot_threshold) if hot_threshold > 0 else None
    api = init_service(app, "products", repository.ping)
    api.register_blueprint(products)
    api.register_blueprint(categories)
    api.register_blueprint(internal)
    # Expand step of the move to /internal/v1: orders releases that call the old path still work.
    api.register_legacy_alias(internal, INTERNAL_PREFIX)
    register_cli(app)
    return app
