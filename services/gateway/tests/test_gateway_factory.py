"""The app factory: defaults, then `SHOPSMART_*` variables, then the caller's config."""

from __future__ import annotations

import pytest

from gateway import GatewayConfigError, create_app


def test_service_urls_come_from_the_environment(frontend_dir, monkeypatch):
    monkeypatch.setenv("SHOPSMART_CART_URL", "http://127.0.0.1:9")

    app = create_app({"TESTING": True, "FRONTEND_DIR": str(frontend_dir)})

    assert app.config["CART_URL"] == "http://127.0.0.1:9"
    assert app.config["PRODUCTS_URL"] == "http://127.0.0.1:8001"
    assert app.config["DEV_SIGN_IN"] is False


def test_the_callers_config_wins(make_app, monkeypatch):
    monkeypatch.setenv("SHOPSMART_UPSTREAM_READ_TIMEOUT", "5")

    app = make_app(UPSTREAM_READ_TIMEOUT=1.5)

    assert app.config["UPSTREAM_READ_TIMEOUT"] == 1.5


def test_a_missing_web_shop_stops_the_gateway_at_start(tmp_path):
    with pytest.raises(GatewayConfigError, match="no web shop"):
        create_app({"FRONTEND_DIR": str(tmp_path)})


def test_health(client):
    assert client.get("/health/live").json == {"status": "live"}
    assert client.get("/health/ready").json == {"status": "ready"}
