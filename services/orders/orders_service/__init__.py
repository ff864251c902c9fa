"""The ShopSmart orders service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from orders_service.api import CHECKOUT_EXTENSION, CURSOR_EXTENSION, REPOSITORY_EXTENSION, orders
from orders_service.checkout import Checkout, CheckoutSettings
from orders_service.cli import STOCK_EXTENSION, register_cli, run_recovery
from orders_service.gateways import CartGateway, StockGateway
from orders_service.recovery import DEFAULT_SWEEP_AGE_SECONDS, RecoveryLoop
from orders_service.repository import OrderRepository
from orders_service.table import TABLE_SPEC
from service_kit.app import init_cursors, init_dynamodb, init_service, load_config, service_client

DEFAULTS: dict[str, Any] = {
    "API_TITLE": "ShopSmart orders",
    "PRODUCTS_URL": "http://127.0.0.1:8001",
    "CART_URL": "http://127.0.0.1:8002",
    "CHECKOUT_LEASE_SECONDS": 30,
    # A replay waits for a checkout in flight about one dependency call's read timeout at most.
    "REPLAY_WAIT_SECONDS": 3,
    "RECOVERY_INTERVAL_SECONDS": 0,
    # Stock held longer than this by an order that is gone or FAILED is released by recovery.
    "RESERVATION_SWEEP_AGE_SECONDS": DEFAULT_SWEEP_AGE_SECONDS,
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the orders app: defaults, then `SHOPSMART_*` variables, then `config`.

    With `RECOVERY_INTERVAL_SECONDS` > 0 each process also runs recovery periodically.
    """
    app = Flask(__name__)
    load_config(app, DEFAULTS, config)
    client, settings = init_dynamodb(app)
    repository = OrderRepository(client, settings.table_name(TABLE_SPEC))
    stock = StockGateway(service_client(app, "products", app.config["PRODUCTS_URL"]))
    cart = CartGateway(service_client(app, "cart", app.config["CART_URL"]))
    checkout_settings = CheckoutSettings(
        lease_seconds=float(app.config["CHECKOUT_LEASE_SECONDS"]),
        replay_wait_seconds=float(app.config["REPLAY_WAIT_SECONDS"]),
    )
    app.extensions[REPOSITORY_EXTENSION] = repository
    app.extensions[STOCK_EXTENSION] = stock
    app.extensions[CHECKOUT_EXTENSION] = Checkout(repository, cart, stock, checkout_settings)
    app.extensions[CURSOR_EXTENSION] = init_cursors(app, settings)
    api = init_service(app, "orders", repository.ping)
    api.register_blueprint(orders)
    register_cli(app)
    if float(app.config["RECOVERY_INTERVAL_SECONDS"]) > 0:
        RecoveryLoop(lambda: run_recovery(app), float(app.config["RECOVERY_INTERVAL_SECONDS"])).start()
    return app
