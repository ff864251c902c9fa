"""gunicorn workers whose own error answers are problem+json, like every answer of the apps.

gunicorn refuses some requests before any app sees them: a request line longer than
`--limit-request-line` (414), too many or too large header fields (431), a request it cannot parse
(400). It writes those answers through `gunicorn.util.write_error` as small HTML pages; these
workers swap that function, in their own process only, for one that writes the same status as
problem+json. Use them with `--worker-class service_kit.server.ProblemThreadWorker` (or
`ProblemSyncWorker`), with `GUNICORN_LIMITS` as the limits; `python -m service_kit.server` prints
both as gunicorn options (the container entrypoint puts them in `GUNICORN_CMD_ARGS`).
"""

from __future__ import annotations

import json
import socket

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

from service_kit.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE

# A request line of up to gunicorn's maximum (8,190 bytes) holds any URL the apps read
# (MAX_URL_BYTES), so the apps' own 414 answers an over-long URL first with its exact size; and
# gunicorn's defaults for header fields, written out so they are stated, not assumed.
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELDS = 100
LIMIT_REQUEST_FIELD_SIZE = 8190
GUNICORN_LIMITS = (
    "--limit-request-line",
    str(LIMIT_REQUEST_LINE),
    "--limit-request-fields",
    str(LIMIT_REQUEST_FIELDS),
    "--limit-request-field_size",
    str(LIMIT_REQUEST_FIELD_SIZE),
)
# Their names as gunicorn's `--worker-class` takes them (this module also runs as `__main__`).
PROBLEM_SYNC_WORKER = "service_kit.server.ProblemSyncWorker"
PROBLEM_THREAD_WORKER = "service_kit.server.ProblemThreadWorker"
_SLUGS = {400: "bad-request", 403: "forbidden", 414: "uri-too-long", 417: "expectation-failed"}
_SLUGS |= {431: "request-header-fields-too-large", 501: "not-implemented"}


def problem_bytes(status: int, reason: str, detail: str) -> bytes:
    """A whole HTTP/1.1 answer carrying a problem; the connection is closed after it."""
    body = json.dumps(
        {
            "type": PROBLEM_TYPE_BASE + _SLUGS.get(status, "internal-error"),
            "title": reason,
            "status": status,
            "detail": detail or reason,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {PROBLEM_CONTENT_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `write_error`, answering problem+json instead of an HTML page."""
    util.write_nonblock(sock, problem_bytes(status_int, reason, mesg))


class _ProblemAnswers:
    def init_process(self) -> None:
        util.write_error = write_problem
        super().init_process()  # type: ignore[misc]


class ProblemThreadWorker(_ProblemAnswers, ThreadWorker):
    """gunicorn's gthread worker, answering its own errors as problem+json."""


class ProblemSyncWorker(_ProblemAnswers, SyncWorker):
    """gunicorn's sync worker, answering its own errors as problem+json."""


def container_options() -> str:
    """The options a container's gunicorn runs with: the threaded worker of this module (the images
    run `--threads`, which gunicorn honours only with a threaded worker), and the limits."""
    return " ".join(["--worker-class", PROBLEM_THREAD_WORKER, *GUNICORN_LIMITS])


if __name__ == "__main__":
    print(container_options())
