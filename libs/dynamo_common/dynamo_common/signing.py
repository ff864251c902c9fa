"""The secrets a service signs its opaque tokens with (cursors, guest tokens), rotatable.

Each secret is named by a key id derived from it, which every token carries, so a token is
checked against the one secret that made it. During a rotation two secrets are accepted: the new
one signs, the previous one still verifies what it signed, so nobody is signed out and no cursor
breaks; once the previous secret's tokens have expired it is removed.
"""

from __future__ import annotations

import hashlib
import re

KEY_ID_LENGTH = 8
KEY_ID_PATTERN = rf"[0-9a-f]{{{KEY_ID_LENGTH}}}"
_KEY_ID = re.compile(KEY_ID_PATTERN)


def key_id_of(secret: bytes) -> str:
    """The public name of `secret`: a truncated SHA-256 of it under its own label. It tells no more
    about the secret than any HMAC made with it does."""
    return hashlib.sha256(b"shopsmart-signing-key-id\x00" + secret).hexdigest()[:KEY_ID_LENGTH]


class SigningKeys:
    """The secret that signs now and, during a rotation, the previous one still accepted."""

    def __init__(self, secret: str | bytes, previous: str | bytes | None = None):
        if not secret:
            raise ValueError("a signing secret is required")
        self.current = _as_bytes(secret)
        self.current_id = key_id_of(self.current)
        self._by_id = {self.current_id: self.current}
        if previous:
            self._by_id.setdefault(key_id_of(_as_bytes(previous)), _as_bytes(previous))

    def key(self, key_id: str) -> bytes | None:
        """The accepted secret named `key_id`, None for any other."""
        return self._by_id.get(key_id) if _KEY_ID.fullmatch(key_id) else None

    def accepted(self) -> tuple[bytes, ...]:
        """Every accepted secret, the current one first (for tokens made before key ids)."""
        return tuple(self._by_id.values())


def _as_bytes(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret
