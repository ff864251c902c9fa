"""Checks every request passes before a view reads it, and a header every per-user answer carries.

Bodies are bounded by MAX_CONTENT_LENGTH whether sent with Content-Length or chunked: a chunked
body over the limit is refused whole (413), never cut at the limit and passed on.

JSON nesting is bounded before any parser sees the body: Python's parser recurses once per level,
so about a thousand levels (2 KB of brackets) would end in RecursionError, a 500. No ShopSmart
document nests deeper than a few levels.
"""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from service_kit.http_cache import carries_credential
from service_kit.problems import BadRequest

MAX_JSON_DEPTH = 32
# Strings first (their brackets are text), then everything that is not a bracket. An unterminated
# string runs to the end, so every match succeeds at once and the scan stays linear in the body.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*(?:"|\\?\Z)', re.DOTALL)
_NOT_A_BRACKET = re.compile(rb"[^\[\]{}]+")
_OPENING = frozenset(b"[{")


def nests_deeper_than(body: bytes, limit: int) -> bool:
    """True when the arrays and objects of a JSON text nest more than `limit` levels; not a
    validation (the parser still judges the text)."""
    brackets = _NOT_A_BRACKET.sub(b"", _JSON_STRING.sub(b"", body))
    depth = 0
    for byte in brackets:
        depth += 1 if byte in _OPENING else -1
        if depth > limit:
            return True
    return False


def ensure_shallow_json(body: bytes) -> None:
    """BadRequest when `body` nests deeper than MAX_JSON_DEPTH."""
    if nests_deeper_than(body, MAX_JSON_DEPTH):
        raise BadRequest(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")


def guard_request_bodies(app: Flask) -> None:
    """Before any view: a body over MAX_CONTENT_LENGTH is 413 however it is framed, and a JSON
    body nested deeper than MAX_JSON_DEPTH is 400."""

    @app.before_request
    def bodies_within_bounds() -> None:
        _read_chunked_body_within_limit(request.environ, app.config["MAX_CONTENT_LENGTH"])
        if request.is_json:
            # Read within MAX_CONTENT_LENGTH, and cached for the view's own parse.
            ensure_shallow_json(request.get_data(cache=True))


def _read_chunked_body_within_limit(environ: dict[str, Any], limit: int | None) -> None:
    """Werkzeug refuses a declared Content-Length over the limit, but reads a chunked body only up
    to the limit and silently drops the rest: read it here whole, up to one byte past the limit."""
    if limit is None or "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return
    body = environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise RequestEntityTooLarge(f"The body is larger than {limit} bytes.")
    environ["wsgi.input"] = io.BytesIO(body)


def keep_private_answers_private(app: Flask) -> None:
    """`Cache-Control: no-store` on every answer to a request that carries a credential, unless the
    view chose its own: such an answer is one shopper's (a cart, an order), never for a cache."""

    @app.after_request
    def no_store_for_callers(response: Response) -> Response:
        if "Cache-Control" not in response.headers and carries_credential():
            response.headers["Cache-Control"] = "no-store"
        return response
