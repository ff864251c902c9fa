"""Opaque pagination cursors: a signed, base64url-encoded `LastEvaluatedKey`.

The signature covers the listing the cursor belongs to (its scope), so a cursor forged, truncated,
or taken from another listing is refused here and never reaches DynamoDB.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from dynamo_common.errors import InvalidCursor

_SIGNATURE_BYTES = 16


class CursorCodec:
    """Encodes and verifies cursors with an HMAC-SHA256 key shared by every instance of a service."""

    def __init__(self, secret: str | bytes):
        if not secret:
            raise ValueError("a cursor secret is required")
        self._key = secret.encode() if isinstance(secret, str) else secret

    def encode(self, last_evaluated_key: dict[str, Any] | None, scope: str) -> str | None:
        """The cursor for the page after `last_evaluated_key`, or None when there is no next page."""
        if not last_evaluated_key:
            return None
        payload = json.dumps(last_evaluated_key, sort_keys=True, separators=(",", ":")).encode()
        token = payload + self._sign(payload, scope)
        return base64.urlsafe_b64encode(token).rstrip(b"=").decode()

    def decode(self, cursor: str | None, scope: str) -> dict[str, Any] | None:
        """The `ExclusiveStartKey` a cursor stands for; raises InvalidCursor unless it is genuine."""
        if cursor is None or cursor == "":
            return None
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError) as exc:
            raise InvalidCursor("cursor is not valid base64url") from exc
        payload, signature = raw[:-_SIGNATURE_BYTES], raw[-_SIGNATURE_BYTES:]
        if len(raw) <= _SIGNATURE_BYTES or not hmac.compare_digest(signature, self._sign(payload, scope)):
            raise InvalidCursor("cursor was not issued for this listing")
        key = json.loads(payload)
        if not isinstance(key, dict):
            raise InvalidCursor("cursor does not hold a key")
        return key

    def _sign(self, payload: bytes, scope: str) -> bytes:
        message = scope.encode() + b"\x00" + payload
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
