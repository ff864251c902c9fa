"""Configuration precedence: common defaults < service defaults < SHOPSMART_* variables < overrides."""

from __future__ import annotations

from flask import Flask

from service_kit.app import COMMON_DEFAULTS, load_config


def test_precedence(monkeypatch):
    monkeypatch.setenv("SHOPSMART_TABLE_PREFIX", "env-")
    monkeypatch.setenv("SHOPSMART_PAGE_SIZE", "50")
    monkeypatch.setenv("SHOPSMART_EMIT_METRICS", "false")
    monkeypatch.setenv("OTHER_TABLE_PREFIX", "ignored-")
    app = Flask(__name__)
    load_config(
        app,
        {"TABLE_PREFIX": "svc-", "PAGE_SIZE": 20, "JWT_AUDIENCE": "svc-audience", "ONLY_DEFAULT": "d"},
        {"PAGE_SIZE": 7},
    )
    assert app.config["TABLE_PREFIX"] == "env-"
    assert app.config["PAGE_SIZE"] == 7
    assert app.config["EMIT_METRICS"] is False  # variables are parsed as JSON
    assert app.config["JWT_AUDIENCE"] == "svc-audience"  # service defaults beat common ones
    assert app.config["ONLY_DEFAULT"] == "d"
    assert app.config["JWT_ISSUER"] == COMMON_DEFAULTS["JWT_ISSUER"]


def test_environment_values_are_typed(monkeypatch):
    monkeypatch.setenv("SHOPSMART_PAGE_SIZE", "50")
    app = Flask(__name__)
    load_config(app, {"PAGE_SIZE": 20}, None)
    assert app.config["PAGE_SIZE"] == 50


def test_without_environment_or_overrides_the_defaults_stand():
    app = Flask(__name__)
    load_config(app, {}, None)
    for name, value in COMMON_DEFAULTS.items():
        assert app.config[name] == value


def test_nothing_is_built_by_loading_config():
    app = Flask(__name__)
    load_config(app, {}, {"TESTING": True})
    assert app.extensions == {}
