"""Guest tokens: an opaque, signed identity for a shopper who has not signed in.

A token is a random 128-bit id, the moment it expires, the id of the key that signed it, and an
HMAC-SHA256 of all three under the guest token secret, so nobody without the secret can make one
up, turn one guest's token into another's, or extend its life. The key id lets the secret be
rotated without signing every guest out: the new secret signs, and the previous one
(`GUEST_TOKEN_PREVIOUS_SECRET`) still verifies the tokens it signed until they expire.

Tokens are stateless: issuing one writes nothing. Each is checked here and nowhere else; a token
whose cart was merged into a user's is refused by the cart service, which keeps a record of the
merge for as long as any token can live (`GUEST_TOKEN_TTL_SECONDS`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request

from dynamo_common.signing import KEY_ID_PATTERN, SigningKeys
from service_kit.problems import Unauthorized

GUEST_TOKEN_HEADER = "X-Guest-Token"  # noqa: S105 - a header name, not a secret
GUEST_TOKENS_EXTENSION = "shopsmart.guest_tokens"
GUEST_ID_BYTES = 16
MIN_SECRET_LENGTH = 32
# A week: a guest's lines live a day after their last change, so a shopper who comes back within
# the week keeps the cart; the page asks for a new token when its old one is refused.
GUEST_TOKEN_TTL_SECONDS = 7 * 24 * 60 * 60
# The signed message names its purpose and format, so a MAC made with the same secret for
# anything else can never pass for a guest token. v2 tokens, from before key ids, are still read.
_SIGNED_PREFIX = b"shopsmart-guest-token/v3:"
_V2_SIGNED_PREFIX = b"shopsmart-guest-token/v2:"
# Lower-case hex id, the expiry in Unix seconds (ten digits), the key id (v3 only), the unpadded
# base64url SHA-256 MAC, separated by dots: one spelling per token, so an altered character can
# never decode to the same id, expiry, key or signature.
_TOKEN_SHAPE = re.compile(
    rf"([0-9a-f]{{{2 * GUEST_ID_BYTES}}})\.([1-9][0-9]{{9}})\.(?:({KEY_ID_PATTERN})\.)?([A-Za-z0-9_-]{{43}})"
)


@dataclass(frozen=True)
class GuestToken:
    """A guest's id and the token that proves it."""

    guest_id: str
    token: str


class GuestTokens:
    """Issues guest tokens under one secret and verifies them under it or, during a rotation,
    `previous_secret`; each lives `ttl_seconds` from its issue."""

    def __init__(
        self,
        secret: str,
        ttl_seconds: int = GUEST_TOKEN_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
        previous_secret: str | None = None,
    ):
        if any(len(key) < MIN_SECRET_LENGTH for key in (secret, previous_secret) if key is not None):
            raise ValueError(f"The guest token secret must be at least {MIN_SECRET_LENGTH} characters.")
        if not 0 < ttl_seconds <= GUEST_TOKEN_TTL_SECONDS:
            # A longer life would outlast the cart service's record of a merged cart.
            raise ValueError(f"A guest token lives 1 to {GUEST_TOKEN_TTL_SECONDS} seconds.")
        self._keys = SigningKeys(secret, previous_secret)
        self._ttl = ttl_seconds
        self._clock = clock

    def issue(self) -> GuestToken:
        guest_id = secrets.token_hex(GUEST_ID_BYTES)
        expires = str(int(self._clock()) + self._ttl)
        body = f"{guest_id}.{expires}.{self._keys.current_id}"
        return GuestToken(guest_id, f"{body}.{_signature(self._keys.current, _SIGNED_PREFIX, body)}")

    def verify(self, token: str) -> str:
        """The guest id the token proves; Unauthorized when it is malformed, altered, forged or
        expired."""
        shape = _TOKEN_SHAPE.fullmatch(token)
        if shape is None:
            raise Unauthorized("The guest token is not valid.")
        guest_id, expires, key_id, signature = shape.groups()
        if key_id is not None:
            key = self._keys.key(key_id)
            expected = [_signature(key, _SIGNED_PREFIX, f"{guest_id}.{expires}.{key_id}")] if key else []
        else:  # issued before tokens carried a key id
            expected = [
                _signature(key, _V2_SIGNED_PREFIX, f"{guest_id}.{expires}") for key in self._keys.accepted()
            ]
        if not any(hmac.compare_digest(signature, candidate) for candidate in expected):
            raise Unauthorized("The guest token is not valid.")
        if int(expires) <= self._clock():
            raise Unauthorized("The guest token has expired.")
        return guest_id


def _signature(key: bytes, prefix: bytes, body: str) -> str:
    return _base64url(hmac.new(key, prefix + body.encode(), hashlib.sha256).digest())


def init_guest_tokens(app: Flask) -> GuestTokens | None:
    """Guest tokens under `GUEST_TOKEN_SECRET` (and `GUEST_TOKEN_PREVIOUS_SECRET` during a
    rotation); without a secret the app accepts no guest token."""
    secret = app.config.get("GUEST_TOKEN_SECRET")
    if not secret:
        app.extensions.pop(GUEST_TOKENS_EXTENSION, None)
        return None
    previous = app.config.get("GUEST_TOKEN_PREVIOUS_SECRET")
    tokens = GuestTokens(
        str(secret),
        int(app.config.get("GUEST_TOKEN_TTL_SECONDS", GUEST_TOKEN_TTL_SECONDS)),
        previous_secret=str(previous) if previous else None,
    )
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
