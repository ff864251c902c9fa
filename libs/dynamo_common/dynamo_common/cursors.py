"""Opaque pagination cursors: a signed, base64url-encoded `LastEvaluatedKey`.

The signature covers the listing the cursor belongs to (its scope), so a cursor forged, truncated,
or taken from another listing is refused here and never reaches DynamoDB. A cursor starts with the
id of the key that signed it (`<key id>.<base64url>`), so the secret can be rotated with the
previous one still accepted (see `signing`); a cursor from before key ids is checked against each
accepted secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from dynamo_common.errors import InvalidCursor
from dynamo_common.signing import SigningKeys

_SIGNATURE_BYTES = 16


class CursorCodec:
    """Encodes and verifies cursors with an HMAC-SHA256 key shared by every instance of a service;
    `previous_secret` is still accepted during a rotation."""

    def __init__(self, secret: str | bytes, previous_secret: str | bytes | None = None):
        if not secret:
            raise ValueError("a cursor secret is required")
        self._keys = SigningKeys(secret, previous_secret)

    def encode(self, last_evaluated_key: dict[str, Any] | None, scope: str) -> str | None:
        """The cursor for the page after `last_evaluated_key`, or None when there is no next page."""
        if not last_evaluated_key:
            return None
        key_id = self._keys.current_id
        payload = json.dumps(last_evaluated_key, sort_keys=True, separators=(",", ":")).encode()
        token = payload + _sign(self._keys.current, key_id, payload, scope)
        return f"{key_id}.{base64.urlsafe_b64encode(token).rstrip(b'=').decode()}"

    def decode(self, cursor: str | None, scope: str) -> dict[str, Any] | None:
        """The `ExclusiveStartKey` a cursor stands for; raises InvalidCursor unless it is genuine."""
        if cursor is None or cursor == "":
            return None
        key_id, dot, encoded = cursor.rpartition(".")
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError) as exc:
            raise InvalidCursor("cursor is not valid base64url") from exc
        payload, signature = raw[:-_SIGNATURE_BYTES], raw[-_SIGNATURE_BYTES:]
        if dot:
            secret = self._keys.key(key_id)
            candidates = [_sign(secret, key_id, payload, scope)] if secret else []
        else:  # issued before cursors carried a key id
            candidates = [_sign(secret, "", payload, scope) for secret in self._keys.accepted()]
        if len(raw) <= _SIGNATURE_BYTES or not any(hmac.compare_digest(signature, c) for c in candidates):
            raise InvalidCursor("cursor was not issued for this listing")
        key = json.loads(payload)
        if not isinstance(key, dict):
            raise InvalidCursor("cursor does not hold a key")
        return key


def _sign(secret: bytes, key_id: str, payload: bytes, scope: str) -> bytes:
    # Without a key id the message is exactly what cursors before key ids signed.
    message = (f"{key_id}\x00" if key_id else "").encode() + scope.encode() + b"\x00" + payload
    return hmac.new(secret, message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
