"""The AWS Lambda Runtime API, served to a function's container as Lambda serves it.

A Lambda image's entrypoint runs the runtime interface client, which asks the Runtime API
(`AWS_LAMBDA_RUNTIME_API`) for the next invocation, runs the handler and posts its result back.
AWS's runtime interface emulator, which the official base image starts when no Runtime API is
given, is published on none of the registries this project may use, so the images and deploy
tiers serve the API's calls themselves with this server: one server is one execution environment,
which takes one invocation at a time, in order.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devstack import free_port
from devstack.ports import LOCALHOST

RUNTIME_API = "/2018-06-01/runtime"
POLL_SECONDS = 1.0  # how often a waiting `next` call looks whether the server is closing


class NoAnswer(AssertionError):
    """The runtime did not answer an invocation in time."""


@dataclass
class Invocation:
    """One event handed to the runtime, and what it answered: `response`, `error` or `init error`."""

    request_id: str
    event: dict[str, Any]
    deadline_ms: int
    answered: threading.Event = field(default_factory=threading.Event)
    outcome: tuple[str, Any] | None = None


class RuntimeApi(ThreadingHTTPServer):
    """The Runtime API of one execution environment: `GET …/invocation/next` waits for the next
    event; the client posts the handler's result to `…/invocation/<id>/response` or `…/error`, or
    to `…/init/error` when the handler could not be loaded."""

    daemon_threads = True

    def __init__(self, function_arn: str) -> None:
        super().__init__((LOCALHOST, free_port()), _RuntimeApiHandler)
        self.function_arn = function_arn
        self.pending: queue.Queue[Invocation] = queue.Queue()
        self.handed_out: dict[str, Invocation] = {}
        self.closing = threading.Event()
        self._one_at_a_time = threading.Lock()

    def invoke(
        self, event: dict[str, Any], timeout_seconds: float, cold_start_seconds: float = 0.0
    ) -> tuple[str, Any]:
        """Hand the event to the runtime and wait for its answer: the function's timeout (the
        deadline the handler is told), plus time for a cold start (loading the handler)."""
        with self._one_at_a_time:
            deadline_ms = int((time.time() + timeout_seconds) * 1000)
            invocation = Invocation(str(uuid.uuid4()), event, deadline_ms)
            self.pending.put(invocation)
            if not invocation.answered.wait(timeout_seconds + cold_start_seconds):
                raise NoAnswer(f"{self.function_arn} did not answer within {timeout_seconds:.0f} s")
            assert invocation.outcome is not None
            return invocation.outcome

    def answer(self, request_id: str | None, kind: str, body: bytes) -> None:
        """Record what the runtime posted; an init error fails every invocation handed out."""
        outcome = (kind, json.loads(body or b"null"))
        waiting = [self.handed_out.pop(request_id)] if request_id else list(self.handed_out.values())
        for invocation in waiting:
            invocation.outcome = outcome
            invocation.answered.set()

    def __enter__(self) -> RuntimeApi:
        threading.Thread(target=self.serve_forever, name="runtime-api", daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.closing.set()
        self.shutdown()
        self.server_close()


class _RuntimeApiHandler(BaseHTTPRequestHandler):
    server: RuntimeApi

    def do_GET(self) -> None:
        if self.path != f"{RUNTIME_API}/invocation/next":
            self._reply(404, {"errorMessage": f"no route {self.path}"})
            return
        # The client's long poll: it waits here until there is an event (or the server closes).
        while not self.server.closing.is_set():
            try:
                invocation = self.server.pending.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            self.server.handed_out[invocation.request_id] = invocation
            self._reply(
                200,
                invocation.event,
                {
                    "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": self.server.function_arn,
                    "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
                },
            )
            return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        answered = re.fullmatch(rf"{RUNTIME_API}/invocation/([^/]+)/(response|error)", self.path)
        if answered:
            if answered[1] not in self.server.handed_out:
                self._reply(400, {"errorMessage": f"unknown request {answered[1]}"})
                return
            self.server.answer(answered[1], answered[2], body)
        elif self.path == f"{RUNTIME_API}/init/error":
            self.server.answer(None, "init error", body)
        else:
            self._reply(404, {"errorMessage": f"no route {self.path}"})
            return
        self._reply(202, {"status": "OK"})

    def _reply(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the invocations' outcomes are what the tests report."""
