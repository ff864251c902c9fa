"""The service-to-service client against a real local HTTP server with scripted misbehaviour."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import Flask, g

from service_kit.http import ClientSettings, DependencyUnreachable, ServiceClient, ServiceCredential
from service_kit.problems import ServiceUnavailable


class ScriptedServer:
    """Answers each request with the next scripted action: a status, "drop" (close without an
    answer), "drop-and-refuse" (drop, and stop listening, so later connections are refused) or
    "hang" (answer only once released)."""

    def __init__(self) -> None:
        self.script: list[object] = []
        self.seen: list[dict[str, str]] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                """Quiet."""

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                server.seen.append(dict(self.headers))
                action = server.script.pop(0) if server.script else 200
                if action == "drop-and-refuse":
                    server.httpd.shutdown()
                    server.httpd.server_close()
                    action = "drop"
                if action == "drop":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if action == "hang":
                    server.release.wait(10)
                    action = 200
                body = json.dumps({"status": action}).encode()
                self.send_response(int(action))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    yield scripted
    scripted.close()


def client_for(url: str, **settings: float) -> ServiceClient:
    options = {"connect_timeout": 0.5, "read_timeout": 0.5, "retries": 2, "backoff_factor": 0.01, **settings}
    return ServiceClient("products", url, ClientSettings(**options), ServiceCredential(token="svc-token"))


def test_a_keyed_post_is_retried_after_a_lost_connection(server):
    server.script = ["drop", 201]
    reply = client_for(server.url).call("POST", "/internal/reservations", json={}, keyed=True)
    assert reply.status == 201
    assert len(server.seen) == 2


def test_a_plain_post_is_sent_once(server):
    server.script = ["drop", 201]
    with pytest.raises(ServiceUnavailable) as raised:
        client_for(server.url).call("POST", "/orders", json={})
    assert not isinstance(raised.value, DependencyUnreachable)
    assert len(server.seen) == 1


def test_a_timeout_is_not_retried_even_when_keyed(server):
    server.script = ["hang"]
    with pytest.raises(ServiceUnavailable) as raised:
        client_for(server.url).call("POST", "/internal/reservations", json={}, keyed=True)
    assert raised.value.headers["Retry-After"]
    assert len(server.seen) == 1


def test_a_get_is_retried_on_503_then_gives_up_as_503(server):
    server.script = [503, 503, 503]
    with pytest.raises(ServiceUnavailable):
        client_for(server.url).call("GET", "/products")
    assert len(server.seen) == 3


def test_a_refused_connection_is_never_delivered():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(DependencyUnreachable):
        client_for(f"http://127.0.0.1:{closed_port}").call("POST", "/internal/reservations", keyed=True)


def test_a_request_whose_answer_was_lost_is_not_called_undelivered_when_retries_are_refused(server):
    server.script = ["drop-and-refuse"]
    with pytest.raises(ServiceUnavailable) as raised:
        client_for(server.url).call("POST", "/internal/reservations", json={}, keyed=True)
    assert not isinstance(raised.value, DependencyUnreachable)
    assert len(server.seen) == 1


def test_request_id_and_credential_are_passed_along(server):
    app = Flask(__name__)
    with app.test_request_context():
        g.request_id = "req-7"
        client_for(server.url).call("GET", "/internal/carts/alice", internal=True)
        client_for(server.url).call("GET", "/products")
    internal, public = server.seen
    assert internal["X-Request-ID"] == public["X-Request-ID"] == "req-7"
    assert internal["Authorization"] == "Bearer svc-token"
    assert "Authorization" not in public
