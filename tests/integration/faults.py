"""A fault-injecting HTTP proxy for crash tests: it forwards each request to the real service,
then lets the test decide what the caller gets back: the answer, nothing (a dropped connection),
or the answer only once a gate opens."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

RELAY, DROP = "relay", "drop"


@dataclass(frozen=True)
class Exchange:
    """A request forwarded to the service and the service's answer."""

    method: str
    path: str
    status: int
    body: bytes


Decide = Callable[[Exchange], str]


class FaultProxy:
    """Listens on a free local port and forwards to `target`; `decide` chooses RELAY or DROP."""

    def __init__(self, target: str, decide: Decide | None = None):
        parts = urlsplit(target)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.decide: Decide = decide or (lambda exchange: RELAY)
        self.forwarded: list[Exchange] = []
        self.gate = threading.Event()
        self.gate.set()
        self._lock = threading.Lock()
        self._condition = threading.Condition(self._lock)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.gate.set()
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, predicate: Callable[[list[Exchange]], bool], timeout: float) -> bool:
        """Wait until `predicate(forwarded exchanges)` holds, or the deadline passes."""
        with self._condition:
            return self._condition.wait_for(lambda: predicate(self.forwarded), timeout=timeout)

    def _record(self, exchange: Exchange) -> None:
        with self._condition:
            self.forwarded.append(exchange)
            self._condition.notify_all()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the services' own logs say what happened."""

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection(*proxy._target, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    payload = answer.read()
                except OSError:
                    self.close_connection = True
                    return
                finally:
                    upstream.close()
                exchange = Exchange(self.command, self.path, answer.status, payload)
                proxy._record(exchange)
                verdict = proxy.decide(exchange)
                proxy.gate.wait()
                if verdict == DROP:
                    self.close_connection = True
                    return
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

        return Handler
