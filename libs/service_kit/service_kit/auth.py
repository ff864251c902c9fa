"""RS256 bearer tokens verified against a JWKS: users, the admin group, and the service credential.

Every service verifies tokens itself (signature, issuer, expiry) and then tells apart what Cognito
issues: a user's ID token (`token_use` = `id`, the web client in `aud`) or access token
(`token_use` = `access`, the web client in `client_id`), accepted on user paths; and the services'
client-credentials access token (`client_id` = the services' client, scope `shopsmart/internal`),
accepted only on internal paths.
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
import requests
from flask import current_app, g, request

from service_kit.identifiers import ID_RULE, is_valid_id
from service_kit.problems import Forbidden, Unauthorized

ADMIN_GROUP = "admin"
INTERNAL_SCOPE = "shopsmart/internal"
GROUPS_CLAIM = "cognito:groups"
ID_TOKEN_USE = "id"  # noqa: S105 - a claim value, not a secret
ACCESS_TOKEN_USE = "access"  # noqa: S105 - a claim value, not a secret
TOKEN_VERIFIER_EXTENSION = "shopsmart.token_verifier"  # noqa: S105 - a registry key, not a secret
# Keys fetched longer ago than this are fetched again, and a verified token is answered from
# memory for at most as long: a key removed from the JWKS is trusted at most twice this (10 min).
JWKS_MAX_AGE_SECONDS = 300
# A token naming a key we do not hold makes us fetch the JWKS at once (a rotation), but at most
# this often, so a stream of made-up key ids cannot turn every request into a JWKS fetch.
JWKS_REFETCH_INTERVAL_SECONDS = 30
JWKS_FETCH_TIMEOUT_SECONDS = (1.0, 3.0)
VERIFIED_TOKENS_KEPT = 10_000

F = TypeVar("F", bound=Callable[..., Any])
Clock = Callable[[], float]


class JwksUnavailable(Exception):
    """The JWKS could not be read or fetched."""


@dataclass(frozen=True)
class Caller:
    """Who is calling: a user (with groups) or another ShopSmart service."""

    subject: str
    groups: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    is_service: bool = False

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups and not self.is_service


def jwks_reader(jwks_url: str) -> Callable[[], str]:
    """Reads the JWKS document: Cognito's over HTTPS (the local provider's over HTTP), or a
    `file://` JWKS for the development key."""
    parsed = urlparse(jwks_url)
    if parsed.scheme == "file":
        path = Path(url2pathname(parsed.path))

        def read_file() -> str:
            try:
                return path.read_text()
            except OSError as exc:
                raise JwksUnavailable(f"cannot read {path}") from exc

        return read_file

    def fetch() -> str:
        try:
            response = requests.get(jwks_url, timeout=JWKS_FETCH_TIMEOUT_SECONDS)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise JwksUnavailable(f"cannot fetch {jwks_url}") from exc
        return response.text

    return fetch


class SigningKeys:
    """The JWKS's keys by id, fetched again once they are `max_age` old, and at once (at most every
    `refetch_interval`) when a token names a key not among them: a rotated-in key is found on its
    first token, a removed one is forgotten within `max_age`."""

    def __init__(
        self,
        read: Callable[[], str],
        clock: Clock = time.monotonic,
        max_age: float = JWKS_MAX_AGE_SECONDS,
        refetch_interval: float = JWKS_REFETCH_INTERVAL_SECONDS,
    ):
        self._read = read
        self._clock = clock
        self._max_age = max_age
        self._refetch_interval = refetch_interval
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def key_for(self, token: str) -> jwt.PyJWK:
        """The key the token's header names; JwksUnavailable or jwt.PyJWKClientError otherwise."""
        kid = jwt.get_unverified_header(token).get("kid")
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at >= self._max_age
            may_refetch = self._fetched_at is None or now - self._fetched_at >= self._refetch_interval
            if stale or (kid not in self._keys and may_refetch):
                self._fetch(now)
            if kid not in self._keys:
                raise jwt.PyJWKClientError(f"no key {kid!r} in the JWKS")
            return self._keys[kid]

    def _fetch(self, now: float) -> None:
        try:
            key_set = jwt.PyJWKSet.from_json(self._read())
        except jwt.PyJWKSetError as exc:
            raise JwksUnavailable("the JWKS holds no usable key") from exc
        self._keys = {key.key_id: key for key in key_set.keys if key.key_id}
        self._fetched_at = now


class VerifiedTokens:
    """Callers of tokens already verified, each kept until its token expires (at most `size`).

    Keyed by a SHA-256 digest of the whole token, so only the exact token that was verified is
    ever answered from here (any changed byte misses) and no token is held in memory. Checking an
    RS256 signature is most of what a request's authentication costs, and a buyer's token, like
    the service credential, is presented on every request until it expires.
    """

    def __init__(self, size: int = VERIFIED_TOKENS_KEPT, clock: Clock = time.time):
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
    """Verifies bearer tokens against the JWKS and tells users from the services' credential.

    `user_clients` lists the app clients whose users may call (comma-separated; the web client):
    their ID tokens carry the client in `aud`, their access tokens in `client_id`.
    `service_client` is the services' own app client: its access tokens, with the internal scope,
    are the service credential. A verified token's caller is kept until the token expires, but
    never longer than the JWKS is kept, so a removed key stops being trusted in bounded time.
    """

    def __init__(
        self,
        jwks_url: str,
        issuer: str,
        user_clients: str,
        service_client: str,
        leeway_seconds: int = 30,
        clock: Clock = time.time,
    ):
        self._keys = SigningKeys(jwks_reader(jwks_url), clock=clock)
        self._issuer = issuer
        self._user_clients = frozenset(part.strip() for part in user_clients.split(",") if part.strip())
        self._service_client = service_client
        self._leeway = leeway_seconds
        self._clock = clock
        self._verified = VerifiedTokens(clock=clock)

    def verify(self, token: str) -> Caller:
        caller = self._verified.get(token)
        if caller is None:
            caller, expires_at = self._verify_signed(token)
            # Kept only until the token's own expiry (without the leeway a first check allows),
            # and no longer than the keys it was checked with.
            self._verified.keep(token, caller, min(expires_at, self._clock() + JWKS_MAX_AGE_SECONDS))
        return caller

    def _verify_signed(self, token: str) -> tuple[Caller, float]:
        try:
            signing_key = self._keys.key_for(token)
            claims = jwt.decode(
                token,
                signing_key.key,
                algorithms=["RS256"],
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except JwksUnavailable as exc:
            raise Unauthorized("The token's signing keys cannot be fetched.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"Invalid token: {exc}") from exc
        return self._caller_of(claims), float(claims["exp"])

    def _caller_of(self, claims: dict[str, Any]) -> Caller:
        token_use = claims.get("token_use")
        if token_use == ID_TOKEN_USE:
            if not self._user_clients & _audiences_of(claims):
                raise Unauthorized("Invalid token: it was issued for another audience.")
            return caller_of(claims)
        if token_use == ACCESS_TOKEN_USE:
            client = claims.get("client_id")
            if not isinstance(client, str):
                raise Unauthorized("Invalid token: an access token names its client in 'client_id'.")
            if client == self._service_client:
                caller = caller_of(claims, is_service=True)
                if INTERNAL_SCOPE not in caller.scopes:
                    raise Unauthorized(f"Invalid token: the services' token lacks '{INTERNAL_SCOPE}'.")
                return caller
            if client in self._user_clients:
                return caller_of(claims)
            raise Unauthorized("Invalid token: it was issued for another audience.")
        raise Unauthorized("Invalid token: 'token_use' must be 'id' or 'access'.")


def caller_of(claims: dict[str, Any], is_service: bool = False) -> Caller:
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
    return Caller(
        subject=subject,
        groups=frozenset(groups),
        scopes=frozenset(scope.split()),
        is_service=is_service,
    )


def _audiences_of(claims: dict[str, Any]) -> set[str]:
    audience = claims.get("aud")
    listed = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    return {client for client in listed if isinstance(client, str)}


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
    """The calling user; the service credential is refused on user paths."""
    caller = current_caller()
    if caller.is_service:
        raise Forbidden("The service credential is not accepted on user paths.")
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
