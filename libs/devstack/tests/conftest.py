"""A stand-in Flask service, so devstack's tests need no real ShopSmart service."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

FAKE_SERVICE = textwrap.dedent(
    """
    import os

    from flask import Flask


    def create_app(config=None):
        app = Flask(__name__)

        @app.get("/health/ready")
        def ready():
            if os.environ.get("FAKE_NOT_READY"):
                return {"status": "not ready"}, 503
            return {"status": "ready"}

        @app.get("/environment")
        def environment():
            return {name: value for name, value in os.environ.items() if "SHOPSMART" in name}

        return app
    """
)


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    """The repository's root, where package.json and node_modules/ are."""
    return Path(__file__).resolve().parents[3]


@pytest.fixture
def fake_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The name of an importable module with a `create_app()`, also on the children's PYTHONPATH."""
    package = tmp_path / "fake_service_package"
    package.mkdir()
    (package / "fake_shop_service.py").write_text(FAKE_SERVICE)
    monkeypatch.syspath_prepend(str(package))
    monkeypatch.setenv("PYTHONPATH", str(package))
    return "fake_shop_service"
