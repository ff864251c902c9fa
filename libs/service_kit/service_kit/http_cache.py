"""Shared caching of public answers: `Cache-Control`, strong ETags and `If-None-Match` → 304.

A catalogue answer is the same for every shopper, so a CDN, a proxy or the browser may keep it
for a few seconds and keep serving it while it revalidates; a revalidation whose ETag still
matches is answered 304 without a body. An answer to a request carrying a credential
(`Authorization` or `X-Guest-Token`) is one shopper's as far as any cache can tell, so it stays
`no-store` whatever the view asked for.

Stock shown from a cache may be seconds old; that is allowed because the checkout, never a page,
is the authority on stock (it reserves with a conditional write).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import Flask, Response, request
from werkzeug.http import unquote_etag

from service_kit.guests import GUEST_TOKEN_HEADER

CREDENTIAL_HEADERS = ("Authorization", GUEST_TOKEN_HEADER)
NO_STORE = "no-store"
PUBLIC_DIRECTIVE = "public"
_REVALIDATED_METHODS = frozenset({"GET", "HEAD"})
# Dropped from a 304: it describes a body the answer no longer has.
_BODY_HEADERS = ("Content-Type", "Content-Length")


@dataclass(frozen=True)
class SharedCaching:
    """How long shared caches may serve a public answer fresh, then stale while revalidating."""

    max_age: int
    stale_while_revalidate: int

    def __post_init__(self) -> None:
        if self.max_age < 0 or self.stale_while_revalidate < 0:
            raise ValueError("Cache lifetimes are whole seconds, never negative.")

    @property
    def cache_control(self) -> str:
        return (
            f"{PUBLIC_DIRECTIVE}, max-age={self.max_age}, "
            f"stale-while-revalidate={self.stale_while_revalidate}"
        )


def carries_credential() -> bool:
    """Whether the current request names a caller (a signed-in user, a service or a guest)."""
    return any(request.headers.get(name) for name in CREDENTIAL_HEADERS)


def caching_headers(policy: SharedCaching, etag: str | None = None) -> dict[str, str]:
    """The headers of a public answer: `policy`'s `Cache-Control` and `etag`, or `no-store` when
    the request carries a credential. Without `etag`, a public answer gets a hash of its body."""
    headers = {"Cache-Control": NO_STORE if carries_credential() else policy.cache_control}
    if etag is not None:
        headers["ETag"] = etag
    return headers


def body_etag(body: bytes) -> str:
    """A strong ETag of a representation: equal bytes, equal tag."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def answer_conditional_requests(app: Flask) -> None:
    """After every view: a public 200 without an ETag gets one from its body, and a GET or HEAD
    whose `If-None-Match` names the answer's ETag is answered 304 with no body."""

    @app.after_request
    def not_modified_when_unchanged(response: Response) -> Response:
        if request.method not in _REVALIDATED_METHODS or response.status_code != 200:
            return response
        if "ETag" not in response.headers and response.cache_control.public and not response.is_streamed:
            response.headers["ETag"] = body_etag(response.get_data())
        etag = response.headers.get("ETag")
        if etag and request.if_none_match.contains_weak(unquote_etag(etag)[0]):
            response.status_code = 304
            response.set_data(b"")
            for name in _BODY_HEADERS:
                response.headers.pop(name, None)
        return response
