"""The app factory: configuration precedence and what it wires."""

from __future__ import annotations

from cart_service import create_app
from cart_service.api import PRODUCTS_CLIENT_EXTENSION, REPOSITORY_EXTENSION


def test_config_overrides_environment_which_overrides_defaults(monkeypatch, aws_test_environment):
    assert create_app().config["PRODUCTS_URL"] == "http://127.0.0.1:8001"
    monkeypatch.setenv("SHOPSMART_TABLE_PREFIX", "from-env-")
    monkeypatch.setenv("SHOPSMART_PRODUCTS_URL", "http://products.internal:9000")
    app = create_app()
    assert app.extensions[REPOSITORY_EXTENSION].table_name == "from-env-carts"
    assert app.config["PRODUCTS_URL"] == "http://products.internal:9000"
    app = create_app({"TABLE_PREFIX": "from-config-", "PRODUCTS_URL": "http://elsewhere"})
    assert app.extensions[REPOSITORY_EXTENSION].table_name == "from-config-carts"
    assert app.extensions[PRODUCTS_CLIENT_EXTENSION].name == "products"


def test_without_a_jwks_every_request_is_refused(aws_test_environment, auth_headers):
    app = create_app({"TESTING": True, "JWKS_URL": None, "EMIT_METRICS": False})
    response = app.test_client().get("/cart", headers=auth_headers("alice"))
    assert response.status_code == 401
