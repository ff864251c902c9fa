"""A fault-injecting HTTP proxy for crash and fault tests.

Each request may first be answered by `before` with a canned response, without reaching the real
service (e.g. a throttling error from "DynamoDB"). Otherwise it is forwarded, and `decide` chooses
what the caller gets back: the answer (RELAY), nothing (DROP, a dropped connection), or the answer
after `delay_seconds` (DELAY); every answer is also held back while `gate` is closed.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

RELAY, DROP, DELAY = "relay", "drop", "delay"


@dataclass(frozen=True)
class Request:
    """A request as the proxy received it, before any forwarding."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Exchange:
    """A request forwarded to the service and the service's answer."""

    method: str
    path: str
    status: int
    body: bytes


@dataclass(frozen=True)
class Canned:
    """An answer the proxy gives itself, instead of forwarding the request."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Decide = Callable[[Exchange], str]
Before = Callable[[Request], Canned | None]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 makes bursts of new connections wait for SYN retries (1 s and more).
    request_queue_size = 128


class FaultProxy:
    """Listens on a free local port and forwards to `target`.

    `before(request)` → a Canned answer given without forwarding, or None to forward; then
    `decide(exchange)` → RELAY, DROP or DELAY (relay after `delay_seconds`). Both default to
    passing everything through, and may be replaced while the proxy runs.
    """

    def __init__(
        self,
        target: str,
        decide: Decide | None = None,
        *,
        before: Before | None = None,
        delay_seconds: float = 0.0,
    ):
        parts = urlsplit(target)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.decide: Decide = decide or (lambda exchange: RELAY)
        self.before: Before = before or (lambda request: None)
        self.delay_seconds = delay_seconds
        self.forwarded: list[Exchange] = []
        self.canned: list[Request] = []
        self.delayed: list[Exchange] = []
        self.gate = threading.Event()
        self.gate.set()
        self._lock = threading.Lock()
        self._condition = threading.Condition(self._lock)
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._address = self._server.server_address[:2]
        self._listening = False

    @property
    def url(self) -> str:
        host, port = self._address
        return f"http://{host}:{port}"

    def __enter__(self) -> FaultProxy:
        self._listen()
        return self

    def __exit__(self, *_: object) -> None:
        self.gate.set()
        self.refuse_connections()

    def refuse_connections(self) -> None:
        """Stop listening: new connections are refused, as by a host that is down. Safe to call
        from `decide`, e.g. to refuse the retries of a request whose answer was dropped."""
        if self._listening:
            self._listening = False
            self._server.shutdown()
            self._server.server_close()

    def accept_connections(self) -> None:
        """Listen again on the same address after `refuse_connections`."""
        if not self._listening:
            self._server = _Server(self._address, self._handler())
            self._listen()

    def _listen(self) -> None:
        self._listening = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def reset(self) -> None:
        """Pass everything through again (the recorded exchanges are kept)."""
        self.decide = lambda exchange: RELAY
        self.before = lambda request: None

    def wait_for(self, predicate: Callable[[list[Exchange]], bool], timeout: float) -> bool:
        """Wait until `predicate(forwarded exchanges)` holds, or the deadline passes."""
        with self._condition:
            return self._condition.wait_for(lambda: predicate(self.forwarded), timeout=timeout)

    def wait_for_canned(self, count: int, timeout: float) -> bool:
        """Wait until at least `count` requests were answered with a canned response."""
        with self._condition:
            return self._condition.wait_for(lambda: len(self.canned) >= count, timeout=timeout)

    def wait_for_delayed(self, count: int, timeout: float) -> bool:
        """Wait until at least `count` answers were delayed."""
        with self._condition:
            return self._condition.wait_for(lambda: len(self.delayed) >= count, timeout=timeout)

    def _record(self, records: list, entry: object) -> None:
        with self._condition:
            records.append(entry)
            self._condition.notify_all()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the services' own logs say what happened."""

            def _answer(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                canned = proxy.before(Request(self.command, self.path, headers, body))
                if canned is not None:
                    proxy._record(proxy.canned, Request(self.command, self.path, headers, body))
                    proxy.gate.wait()
                    self._answer(canned.status, list(canned.headers.items()), canned.body)
                    return
                upstream = http.client.HTTPConnection(*proxy._target, timeout=30)
                try:
                    upstream.request(self.command, self.path, body=body or None, headers=headers)
                    answer = upstream.getresponse()
                    payload = answer.read()
                except OSError:
                    self.close_connection = True
                    return
                finally:
                    upstream.close()
                exchange = Exchange(self.command, self.path, answer.status, payload)
                proxy._record(proxy.forwarded, exchange)
                verdict = proxy.decide(exchange)
                if verdict == DELAY:
                    time.sleep(proxy.delay_seconds)
                    proxy._record(proxy.delayed, exchange)
                proxy.gate.wait()
                if verdict == DROP:
                    self.close_connection = True
                    return
                self._answer(answer.status, answer.getheaders(), payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

        return Handler
