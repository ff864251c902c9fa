"""Guest tokens: an opaque, signed identity for a shopper who has not signed in.

A token is a random 128-bit id and an HMAC-SHA256 of it under the guest token secret, so nobody
without the secret can make one up or turn one guest's token into another's. Tokens are stateless:
issuing one writes nothing. Each is checked here and nowhere else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flask import Flask, current_app, request

from service_kit.problems import Unauthorized

GUEST_TOKEN_HEADER = "X-Guest-Token"  # noqa: S105 - a header name, not a secret
GUEST_TOKENS_EXTENSION = "shopsmart.guest_tokens"
GUEST_ID_BYTES = 16
MIN_SECRET_LENGTH = 32
# The signed message names its purpose and format, so a MAC made with the same secret for
# anything else can never pass for a guest token.
_SIGNED_PREFIX = b"shopsmart-guest-token/v1:"
# Lower-case hex id, a dot, the unpadded base64url SHA-256 MAC: one spelling per token, so an
# altered character can never decode to the same id or signature.
_TOKEN_SHAPE = re.compile(rf"^([0-9a-f]{{{2 * GUEST_ID_BYTES}}})\.([A-Za-z0-9_-]{{43}})$")


@dataclass(frozen=True)
class GuestToken:
    """A guest's id and the token that proves it."""

    guest_id: str
    token: str


class GuestTokens:
    """Issues and verifies guest tokens under one secret."""

    def __init__(self, secret: str):
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"The guest token secret must be at least {MIN_SECRET_LENGTH} characters.")
        self._key = secret.encode()

    def issue(self) -> GuestToken:
        guest_id = secrets.token_hex(GUEST_ID_BYTES)
        return GuestToken(guest_id, f"{guest_id}.{self._signature(guest_id)}")

    def verify(self, token: str) -> str:
        """The guest id the token proves; Unauthorized when it is malformed, altered or forged."""
        shape = _TOKEN_SHAPE.match(token)
        if shape is None:
            raise Unauthorized("The guest token is not valid.")
        guest_id, signature = shape.groups()
        if not hmac.compare_digest(signature, self._signature(guest_id)):
            raise Unauthorized("The guest token is not valid.")
        return guest_id

    def _signature(self, guest_id: str) -> str:
        digest = hmac.new(self._key, _SIGNED_PREFIX + guest_id.encode(), hashlib.sha256).digest()
        return _base64url(digest)


def init_guest_tokens(app: Flask) -> GuestTokens | None:
    """Guest tokens under `GUEST_TOKEN_SECRET`; without a secret the app accepts no guest token."""
    secret = app.config.get("GUEST_TOKEN_SECRET")
    if not secret:
        app.extensions.pop(GUEST_TOKENS_EXTENSION, None)
        return None
    tokens = GuestTokens(str(secret))
    app.extensions[GUEST_TOKENS_EXTENSION] = tokens
    return tokens


def guest_tokens() -> GuestTokens | None:
    """This app's guest tokens, None when it has no secret for them."""
    return current_app.extensions.get(GUEST_TOKENS_EXTENSION)


def verify_guest_token(token: str) -> str:
    """The guest id `token` proves in this app; Unauthorized when it does not verify."""
    tokens = guest_tokens()
    if tokens is None:
        raise Unauthorized("This service has no guest token secret configured, so it accepts no guest.")
    return tokens.verify(token)


def presented_guest_token() -> str | None:
    """The guest token this request carries in `X-Guest-Token`, unverified; None without one."""
    return request.headers.get(GUEST_TOKEN_HEADER)


def _base64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
