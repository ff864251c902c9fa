"""RS256 bearer tokens verified against a JWKS: users, the admin group, and the service credential.

Every service verifies tokens itself (signature, issuer, audience, expiry). Users carry their id in
`sub` and their groups in `cognito:groups`; the service credential is a client-credentials token
with the internal scope, and it is accepted only on internal paths.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse
from urllib.request import url2pathname

import jwt
from flask import current_app, g, request

from service_kit.identifiers import ID_RULE, is_valid_id
from service_kit.problems import Forbidden, Unauthorized

ADMIN_GROUP = "admin"
INTERNAL_SCOPE = "shopsmart/internal"
GROUPS_CLAIM = "cognito:groups"
TOKEN_VERIFIER_EXTENSION = "shopsmart.token_verifier"  # noqa: S105 - a registry key, not a secret
JWKS_CACHE_SECONDS = 300
VERIFIED_TOKENS_KEPT = 10_000

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Caller:
    """Who is calling: a user (with groups) or another ShopSmart service."""

    subject: str
    groups: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()

    @property
    def is_service(self) -> bool:
        return INTERNAL_SCOPE in self.scopes

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups and not self.is_service


class FileJwks:
    """A JWKS read from a local file (the development key), re-read when a token names a new key."""

    def __init__(self, path: Path):
        self._path = path
        self._keys: dict[str, jwt.PyJWK] = {}

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self._keys:
            try:
                key_set = jwt.PyJWKSet.from_json(self._path.read_text())
            except OSError as exc:
                raise jwt.PyJWKClientConnectionError(f"cannot read {self._path}") from exc
            self._keys = {key.key_id: key for key in key_set.keys if key.key_id}
        if kid not in self._keys:
            raise jwt.PyJWKClientError(f"no key {kid!r} in the JWKS")
        return self._keys[kid]


def jwks_source(jwks_url: str) -> jwt.PyJWKClient | FileJwks:
    """Cognito's JWKS over HTTPS in AWS; a `file://` JWKS for the local development key."""
    parsed = urlparse(jwks_url)
    if parsed.scheme == "file":
        return FileJwks(Path(url2pathname(parsed.path)))
    return jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=JWKS_CACHE_SECONDS)


class VerifiedTokens:
    """Callers of tokens already verified, each kept until its token expires (at most `size`).

    Keyed by a SHA-256 digest of the whole token, so only the exact token that was verified is
    ever answered from here (any changed byte misses) and no token is held in memory. Checking an
    RS256 signature is most of what a request's authentication costs, and a buyer's token, like
    the service credential, is presented on every request until it expires.
    """

    def __init__(self, size: int = VERIFIED_TOKENS_KEPT, clock: Callable[[], float] = time.time):
        self._size = size
        self._clock = clock
        self._callers: OrderedDict[bytes, tuple[Caller, float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, token: str) -> Caller | None:
        key = self._key(token)
        with self._lock:
            found = self._callers.get(key)
            if found is None:
                return None
            caller, expires_at = found
            if self._clock() >= expires_at:
                del self._callers[key]
                return None
            self._callers.move_to_end(key)
            return caller

    def keep(self, token: str, caller: Caller, expires_at: float) -> None:
        key = self._key(token)
        with self._lock:
            self._callers[key] = (caller, expires_at)
            self._callers.move_to_end(key)
            while len(self._callers) > self._size:
                self._callers.popitem(last=False)


class TokenVerifier:
    """Verifies bearer tokens; the JWKS is fetched on first use and cached.

    `audience` lists the accepted app clients (comma-separated). Cognito puts the client in `aud`
    on ID tokens but in `client_id` on access tokens (which have no `aud`), so either is accepted.
    A verified token's caller is kept until the token expires (see `VerifiedTokens`).
    """

    def __init__(self, jwks_url: str, issuer: str, audience: str, leeway_seconds: int = 30):
        self._jwks = jwks_source(jwks_url)
        self._issuer = issuer
        self._audiences = frozenset(part.strip() for part in audience.split(",") if part.strip())
        self._leeway = leeway_seconds
        self._verified = VerifiedTokens()

    def verify(self, token: str) -> Caller:
        caller = self._verified.get(token)
        if caller is None:
            caller, expires_at = self._verify_signed(token)
            # Kept only until the token's own expiry, without the leeway a first check allows.
            self._verified.keep(token, caller, expires_at)
        return caller

    def _verify_signed(self, token: str) -> tuple[Caller, float]:
        try:
            signing_key = self._jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                signing_key.key,
                algorithms=["RS256"],
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except jwt.PyJWKClientConnectionError as exc:
            raise Unauthorized("The token's signing keys cannot be fetched.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"Invalid token: {exc}") from exc
        if not self._audiences & _clients_of(claims):
            raise Unauthorized("Invalid token: it was issued for another audience.")
        return caller_of(claims), float(claims["exp"])


def caller_of(claims: dict[str, Any]) -> Caller:
    """The caller a verified token's claims name; Unauthorized when a claim has the wrong shape.

    A correctly signed token can still carry claims no issuer of ours writes (an empty `sub`,
    groups that are not a list of names): such a token proves nobody, so it is refused.
    """
    subject = claims.get("sub")
    if not is_valid_id(subject):
        raise Unauthorized(f"Invalid token: 'sub' must be an id ({ID_RULE})")
    groups = claims.get(GROUPS_CLAIM, [])
    if not isinstance(groups, list) or not all(isinstance(group, str) for group in groups):
        raise Unauthorized(f"Invalid token: '{GROUPS_CLAIM}' must be a list of group names.")
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise Unauthorized("Invalid token: 'scope' must be a string of scope names.")
    return Caller(subject=subject, groups=frozenset(groups), scopes=frozenset(scope.split()))


def _clients_of(claims: dict[str, Any]) -> set[str]:
    audience = claims.get("aud")
    listed = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    clients = {client for client in listed if isinstance(client, str)}
    if claims.get("token_use") == "access" and isinstance(claims.get("client_id"), str):
        clients.add(claims["client_id"])
    return clients


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer token is required.")
    return token.strip()


def current_caller() -> Caller:
    """The verified caller of this request (verified once, then kept on `g`)."""
    if "caller" not in g:
        token = _bearer_token()
        verifier: TokenVerifier | None = current_app.extensions.get(TOKEN_VERIFIER_EXTENSION)
        if verifier is None:
            raise Unauthorized("This service has no JWKS configured, so it accepts no token.")
        g.caller = verifier.verify(token)
    return g.caller


def current_user() -> Caller:
    """The calling user; the service credential is refused on public paths."""
    caller = current_caller()
    if caller.is_service:
        raise Forbidden("The service credential is not accepted on public paths.")
    return caller


def user_required(view: F) -> F:
    """The view needs a signed-in user."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        current_user()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def admin_required(view: F) -> F:
    """The view needs a user in the admin group."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user().is_admin:
            raise Forbidden("Only administrators may change the catalogue.")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def service_required(view: F) -> F:
    """The view is internal: only another ShopSmart service may call it."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_caller().is_service:
            raise Forbidden("Internal paths accept only the service credential.")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
