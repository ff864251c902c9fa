"""The fault-injecting proxy: relayed, canned (never forwarded), delayed and dropped answers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from devstack.faults import DELAY, DROP, Canned, FaultProxy


@pytest.fixture
def target() -> Iterator[tuple[str, list[str]]]:
    """A tiny service answering 200 "ok"; the paths it received."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def test_relays_by_default_and_records_the_exchange(target):
    url, received = target
    with FaultProxy(url) as proxy:
        answer = requests.post(f"{proxy.url}/a", data=b"{}", timeout=5)
    assert (answer.status_code, answer.text) == (200, "ok")
    assert received == ["/a"]
    assert [(e.method, e.path, e.status) for e in proxy.forwarded] == [("POST", "/a", 200)]


def test_a_canned_answer_is_given_without_forwarding(target):
    url, received = target
    busy = Canned(400, b'{"__type":"x#Busy"}', {"Content-Type": "application/x-amz-json-1.0"})
    with FaultProxy(url, before=lambda request: busy if request.path == "/busy" else None) as proxy:
        refused = requests.post(f"{proxy.url}/busy", data=b"{}", timeout=5)
        passed = requests.post(f"{proxy.url}/fine", data=b"{}", timeout=5)
        assert proxy.wait_for_canned(1, timeout=1)
    assert (refused.status_code, refused.content) == (400, b'{"__type":"x#Busy"}')
    assert refused.headers["Content-Type"] == "application/x-amz-json-1.0"
    assert passed.status_code == 200
    assert received == ["/fine"]


def test_a_delayed_answer_arrives_after_the_delay_and_a_dropped_one_never(target):
    url, received = target
    with FaultProxy(url, lambda exchange: DELAY, delay_seconds=0.3) as proxy:
        started = time.monotonic()
        assert requests.post(f"{proxy.url}/slow", timeout=5).status_code == 200
        assert time.monotonic() - started >= 0.3
        assert proxy.wait_for_delayed(1, timeout=1)
        proxy.decide = lambda exchange: DROP
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{proxy.url}/lost", timeout=5)
    assert received == ["/slow", "/lost"]  # the dropped request did reach the service


def test_the_proxy_can_refuse_connections_and_listen_again(target):
    url, received = target
    with FaultProxy(url) as proxy:
        proxy.refuse_connections()
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{proxy.url}/refused", timeout=5)
        proxy.accept_connections()
        assert requests.post(f"{proxy.url}/again", timeout=5).text == "ok"
    assert received == ["/again"]
