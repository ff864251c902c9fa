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


def test_outside_a_local_run_there_is_no_default_cursor_secret():
    import pytest

    from dynamo_common import DynamoSettings
    from service_kit.app import LOCAL_CURSOR_SECRET, ServiceConfigError, init_cursors

    def app_with(**config: object) -> Flask:
        app = Flask(__name__)
        load_config(app, {}, config)
        return app

    in_aws = DynamoSettings(region="eu-west-1", endpoint_url=None)
    with pytest.raises(ServiceConfigError, match="SHOPSMART_CURSOR_SECRET"):
        init_cursors(app_with(), in_aws)
    on_this_machine = DynamoSettings(region="eu-west-1", endpoint_url="http://127.0.0.1:8000")
    local = init_cursors(app_with(), on_this_machine).encode({"k": 1}, "scope")
    assert init_cursors(app_with(CURSOR_SECRET=LOCAL_CURSOR_SECRET), in_aws).decode(local, "scope") == {
        "k": 1
    }
    assert init_cursors(app_with(TESTING=True), in_aws).decode(local, "scope") == {"k": 1}
    # A rotation: the new secret signs, the previous one's cursors are still read.
    old = init_cursors(app_with(CURSOR_SECRET="old-secret"), in_aws).encode({"k": 2}, "scope")
    rotating = init_cursors(app_with(CURSOR_SECRET="new-secret", CURSOR_PREVIOUS_SECRET="old-secret"), in_aws)
    assert rotating.decode(old, "scope") == {"k": 2}
