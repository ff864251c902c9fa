"""The gateway in-process, in front of small fake services served over real HTTP on free ports."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, json, request
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from devstack.keys import DevKeys
from devstack.ports import free_port
from gateway import create_app
from gateway.routes import PUBLIC_ROUTES
from service_kit.problems import PROBLEM_CONTENT_TYPE

UPSTREAM_HEADER = "X-Upstream"
ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass
class FakeService:
    """A stand-in for one ShopSmart service: echoes what reached it and records every request."""

    name: str
    url: str = ""
    seen: list[dict[str, Any]] = field(default_factory=list)


def echo_app(service: FakeService) -> Flask:
    """Answers any request with what it received; query flags ask for other answers:
    `status` (and `retry_after`) for an error, `empty` for a 204, `sleep` to answer late."""
    app = Flask(service.name)

    @app.route("/", defaults={"path": ""}, methods=ALL_METHODS)
    @app.route("/<path:path>", methods=ALL_METHODS)
    def echo(path: str) -> Response:
        received = {
            "service": service.name,
            "method": request.method,
            "target": request.environ.get("RAW_URI"),
            "headers": dict(request.headers),
            "body": request.get_data(as_text=True),
            "client_port": request.environ.get("REMOTE_PORT"),
        }
        service.seen.append(received)
        if "sleep" in request.args:
            time.sleep(float(request.args["sleep"]))
        headers = {UPSTREAM_HEADER: service.name, "ETag": '"7"', "X-Powered-By": "fake"}
        if "empty" in request.args:
            empty = Response(status=204, headers=headers)
            del empty.headers["Content-Type"]
            return empty
        if "status" in request.args:
            status = int(request.args["status"])
            if "retry_after" in request.args:
                headers["Retry-After"] = request.args["retry_after"]
            problem = {"type": "about:blank", "title": "Fake", "status": status, "detail": "as asked"}
            return Response(
                json.dumps(problem), status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE
            )
        return Response(json.dumps(received), status=200, headers=headers, content_type="application/json")

    return app


@pytest.fixture(scope="session")
def fake_services() -> Iterator[dict[str, FakeService]]:
    """One running fake per service of the routes table, by name."""
    services: dict[str, FakeService] = {}
    servers = []
    for route in PUBLIC_ROUTES:
        service = FakeService(route.service)
        server = make_server("127.0.0.1", 0, echo_app(service), threaded=True)
        service.url = f"http://127.0.0.1:{server.server_port}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        services[service.name] = service
        servers.append(server)
    yield services
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fakes(fake_services: dict[str, FakeService]) -> dict[str, FakeService]:
    for service in fake_services.values():
        service.seen.clear()
    return fake_services


@pytest.fixture
def frontend_dir(tmp_path: Path) -> Path:
    """A small web shop: a page, a script and a product image."""
    frontend = tmp_path / "frontend"
    (frontend / "images" / "products").mkdir(parents=True)
    (frontend / "index.html").write_text("<!doctype html><title>ShopSmart</title>")
    (frontend / "app.js").write_text("export const shop = 'ShopSmart';\n")
    (frontend / "images" / "products" / "mug.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (tmp_path / "secret.txt").write_text("not part of the shop")
    return frontend


@pytest.fixture
def make_app(
    fakes: dict[str, FakeService], frontend_dir: Path, signing_keys: DevKeys
) -> Callable[..., Flask]:
    """`make_app(**config)` → a gateway in front of the fakes, dev sign-in off unless asked."""

    def build(**overrides: Any) -> Flask:
        config: dict[str, Any] = {
            "TESTING": True,
            "EMIT_METRICS": False,
            "FRONTEND_DIR": str(frontend_dir),
            "DEV_SIGNING_KEY_DIR": str(signing_keys.directory),
            **{f"{name.upper()}_URL": service.url for name, service in fakes.items()},
        }
        config.update(overrides)
        return create_app(config)

    return build


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def closed_url() -> str:
    """The URL of a port nothing listens on: a service that is down."""
    return f"http://127.0.0.1:{free_port()}"
