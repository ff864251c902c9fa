"""The app factory: configuration precedence and what it wires."""

from __future__ import annotations

import pytest

from products_service import create_app
from products_service.api import REPOSITORY_EXTENSION
from service_kit.app import ServiceConfigError


def test_config_overrides_environment_which_overrides_defaults(monkeypatch, aws_test_environment):
    monkeypatch.setenv("SHOPSMART_TABLE_PREFIX", "from-env-")
    monkeypatch.setenv("SHOPSMART_CURSOR_SECRET", "from-env-cursor-secret")
    assert create_app().extensions[REPOSITORY_EXTENSION].table_name == "from-env-products"
    app = create_app({"TABLE_PREFIX": "from-config-"})
    assert app.extensions[REPOSITORY_EXTENSION].table_name == "from-config-products"


def test_without_a_jwks_every_write_is_refused(aws_test_environment, auth_headers):
    app = create_app({"TESTING": True, "JWKS_URL": None, "EMIT_METRICS": False})
    response = app.test_client().delete("/products/x", headers=auth_headers("ada", groups=["admin"]))
    assert response.status_code == 401


def test_outside_a_local_run_it_refuses_to_start_without_a_cursor_secret(aws_test_environment):
    # No DynamoDB endpoint on this machine and not a test: as deployed, where a public default
    # secret would let anyone forge cursors.
    with pytest.raises(ServiceConfigError, match="SHOPSMART_CURSOR_SECRET"):
        create_app()
