"""The local development signing key, its JWKS, tokens signed with it, and the HMAC secrets
(pagination cursors, guest tokens).

Services verify tokens against the JWKS exactly as they verify Cognito's in AWS, so local tokens
are shaped as Cognito's: a user's access token names the web client in `client_id`, an ID token
names it in `aud`, and the service credential is an access token of the services' client with the
scope `shopsmart/internal` (`sub` = that client, as Cognito's client-credentials grant issues it).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.paths import local_state
from service_kit.auth import ACCESS_TOKEN_USE, GROUPS_CLAIM, ID_TOKEN_USE, INTERNAL_SCOPE

LOCAL_ISSUER = "shopsmart-local"
# The local app clients: the web shop's (users' tokens) and the services' (client credentials).
LOCAL_AUDIENCE = "shopsmart"
LOCAL_SERVICE_CLIENT_ID = "shopsmart-services"
# SHOPSMART_JWT_AUDIENCE of a local stack: every app client whose tokens the services accept.
LOCAL_ACCEPTED_CLIENTS = f"{LOCAL_AUDIENCE},{LOCAL_SERVICE_CLIENT_ID}"
ALGORITHM = "RS256"
PRIVATE_KEY_FILE = "private.pem"
JWKS_FILE = "jwks.json"
_KEY_BITS = 2048
# A run of the local stack lasts at most a working week; tokens are minted afresh at each start.
SERVICE_TOKEN_TTL_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class DevKeys:
    """Where the development key pair lives, and the key id its tokens and JWKS carry."""

    directory: Path
    kid: str

    @property
    def private_key_path(self) -> Path:
        return self.directory / PRIVATE_KEY_FILE

    @property
    def jwks_path(self) -> Path:
        return self.directory / JWKS_FILE

    @property
    def jwks_url(self) -> str:
        """The JWKS as a file:// URL, the form services take in SHOPSMART_JWKS_URL."""
        return self.jwks_path.resolve().as_uri()


def ensure_dev_keys(directory: Path | None = None) -> DevKeys:
    """The development key pair in `directory` (default `.local/dev-keys`), created if missing.

    Safe to call concurrently: the first private key written wins, and the JWKS is always derived
    from whichever key is on disk.
    """
    directory = directory or local_state().dev_keys
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_key_path = directory / PRIVATE_KEY_FILE
    if not private_key_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_BITS)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _create_private_file(private_key_path, pem)
    private_key = load_private_key(private_key_path)
    jwk = _public_jwk(private_key)
    jwks = json.dumps({"keys": [jwk]}, indent=2) + "\n"
    jwks_path = directory / JWKS_FILE
    if not jwks_path.exists() or jwks_path.read_text() != jwks:
        # Public, so readable by e.g. a container running the services as another user.
        _replace_file(jwks_path, jwks.encode(), mode=0o644)
    return DevKeys(directory=directory, kid=jwk["kid"])


def mint_token(
    user_id: str,
    groups: Iterable[str] = (),
    ttl: int = 3600,
    scopes: Iterable[str] = (),
    *,
    keys: DevKeys | None = None,
    token_use: str = ACCESS_TOKEN_USE,
    client_id: str | None = None,
    issuer: str = LOCAL_ISSUER,
) -> str:
    """A Cognito-shaped RS256 token for `user_id` signed with the development key (created if
    missing): an access token unless `token_use` is "id".

    The client is the web client, or the services' client when the internal scope is asked for:
    Cognito grants that scope to the services' client only.
    """
    keys = keys or ensure_dev_keys()
    scopes = list(scopes)
    if client_id is None:
        client_id = LOCAL_SERVICE_CLIENT_ID if INTERNAL_SCOPE in scopes else LOCAL_AUDIENCE
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": user_id,
        "iss": issuer,
        "iat": now,
        "exp": now + ttl,
        GROUPS_CLAIM: list(groups),
        "token_use": token_use,
    }
    if token_use == ID_TOKEN_USE:
        claims.update({"aud": client_id, "cognito:username": user_id})
    else:
        claims.update({"client_id": client_id, "username": user_id})
    if scope := " ".join(scopes):
        claims["scope"] = scope
    private_key = load_private_key(keys.private_key_path)
    return jwt.encode(claims, private_key, algorithm=ALGORITHM, headers={"kid": keys.kid})


def mint_service_token(
    keys: DevKeys, ttl: int = SERVICE_TOKEN_TTL_SECONDS, issuer: str = LOCAL_ISSUER
) -> str:
    """The local service credential: what Cognito's client-credentials grant issues in AWS."""
    return mint_token(LOCAL_SERVICE_CLIENT_ID, scopes=[INTERNAL_SCOPE], ttl=ttl, keys=keys, issuer=issuer)


def ensure_cursor_secret(path: Path | None = None) -> str:
    """The HMAC key for pagination cursors, kept on disk (default `.local/cursor-secret`) so
    cursors handed out before a restart stay valid after it."""
    return _ensure_secret(path or local_state().cursor_secret)


def ensure_guest_token_secret(path: Path | None = None) -> str:
    """The HMAC key for guest tokens, kept on disk (default `.local/guest-token-secret`) so a
    guest's cart stays theirs across a restart."""
    return _ensure_secret(path or local_state().guest_token_secret)


def _ensure_secret(path: Path) -> str:
    """A random secret in an owner-only file, created on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_private_file(path, secrets.token_urlsafe(32).encode())
    return path.read_text().strip()


def _public_jwk(private_key: rsa.RSAPrivateKey) -> dict[str, str]:
    numbers = private_key.public_key().public_numbers()
    jwk = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
    # RFC 7638 thumbprint: the kid follows from the key, so it changes exactly when the key does.
    canonical = json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": ALGORITHM, "n": jwk["n"], "e": jwk["e"]}


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def load_private_key(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError(f"{path} does not hold an RSA private key")
    return key


def _create_private_file(path: Path, content: bytes) -> None:
    """Write an owner-only file unless one already exists; a concurrent writer's file wins."""
    temporary = _write_temporary(path, content)
    try:
        # link() fails if the target exists, so no reader ever sees a half-written file.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink()


def _replace_file(path: Path, content: bytes, mode: int) -> None:
    temporary = _write_temporary(path, content)
    temporary.chmod(mode)
    os.replace(temporary, path)


def _write_temporary(path: Path, content: bytes) -> Path:
    """A new owner-only file beside `path`, so a rename onto `path` stays on one filesystem."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    return Path(name)
