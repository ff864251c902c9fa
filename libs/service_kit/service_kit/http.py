"""The one HTTP client services use to call each other.

Pooled keep-alive connections, connect and read timeouts, retries with backoff only for calls that
are safe to repeat, the caller's `X-Request-ID` passed along, and the service credential on
internal calls. A dependency that is down, slow or failing becomes `ServiceUnavailable` (503 with
`Retry-After`), never a hang and never a 500.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests
from flask import g, has_request_context
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.retry import Retry

from service_kit.observability import REQUEST_ID_HEADER
from service_kit.problems import ServiceUnavailable

logger = logging.getLogger("shopsmart.http")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = (502, 503, 504)


class DependencyUnreachable(ServiceUnavailable):
    """No attempt could make a connection, so the request was certainly not delivered."""


class UnreadableAnswer(ServiceUnavailable):
    """A dependency answered, but without a field its caller needs, or with a value of the wrong kind."""


@contextlib.contextmanager
def reading_answer_of(service: str, what: str) -> Iterator[None]:
    """Read a dependency's answer as a tolerant reader: extra fields are ignored by the caller, and
    a missing or odd field becomes a logged 503 problem instead of a KeyError escaping as a 500."""
    try:
        yield
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        logger.warning("unreadable answer", extra={"dependency": service, "answer": what, "error": repr(exc)})
        raise UnreadableAnswer(f"The {service} service answered with an unreadable {what}.") from exc


def _never_delivered(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    # Both are raised before a byte of the request is sent (refused, or no connection in time).
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def pooled_session(retry: Retry, pool_size: int, pools: int = 1) -> requests.Session:
    """A requests session with keep-alive pools of `pool_size` connections and `retry` on both
    schemes: the one way services and the gateway open connections to each other."""
    session = requests.Session()
    # Peers are addressed directly: no proxy or netrc lookups in the environment, which requests
    # would otherwise repeat on every call (a tenth of a checkout's CPU in the orders service).
    session.trust_env = False
    adapter = HTTPAdapter(pool_connections=pools, pool_maxsize=pool_size, max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@dataclass(frozen=True)
class ClientSettings:
    """Timeouts and retry budget of calls to one dependency."""

    connect_timeout: float = 1.0
    read_timeout: float = 3.0
    retries: int = 2
    backoff_factor: float = 0.1
    pool_size: int = 32


class ServiceCredential:
    """The service credential: a fixed token (local) or OAuth2 client credentials (Cognito)."""

    def __init__(
        self,
        token: str | None = None,
        token_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        scope: str = "shopsmart/internal",
        clock: Callable[[], float] = time.time,
    ):
        self._token = token
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._clock = clock
        self._expires_at = float("inf") if token else 0.0
        self._lock = threading.Lock()

    def bearer(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - 60:
                self._fetch()
            return f"Bearer {self._token}"

    def _fetch(self) -> None:
        if not (self._token_url and self._client_id and self._client_secret):
            raise ServiceUnavailable("No service credential is configured for internal calls.")
        try:
            response = requests.post(
                self._token_url,
                data={"grant_type": "client_credentials", "scope": self._scope},
                auth=(self._client_id, self._client_secret),
                timeout=(1.0, 3.0),
            )
            response.raise_for_status()
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ServiceUnavailable("The service credential could not be obtained.") from exc
        self._token = body["access_token"]
        self._expires_at = self._clock() + float(body.get("expires_in", 3600))


@dataclass(frozen=True)
class Reply:
    """A dependency's answer: status and decoded JSON body (None when empty)."""

    status: int
    body: Any


class ServiceClient:
    """Calls one dependency (e.g. the products service) at `base_url`; thread-safe, pooled."""

    def __init__(
        self,
        name: str,
        base_url: str,
        settings: ClientSettings | None = None,
        credential: ServiceCredential | None = None,
    ):
        self.name = name
        self._base_url = base_url.rstrip("/")
        self._settings = settings or ClientSettings()
        self._credential = credential
        retry = Retry(
            total=self._settings.retries,
            connect=self._settings.retries,
            read=self._settings.retries,
            status=self._settings.retries,
            backoff_factor=self._settings.backoff_factor,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=IDEMPOTENT_METHODS,
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        self._session = pooled_session(retry, self._settings.pool_size)

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        internal: bool = False,
        headers: dict[str, str] | None = None,
        keyed: bool = False,
    ) -> Reply:
        """Send one request; 5xx, timeouts and refused connections raise ServiceUnavailable.

        GET, PUT and DELETE are retried by the connection pool. A POST is sent once unless the
        caller says it is `keyed` (repeating it changes nothing, e.g. a reservation for an order
        id): then a connection lost before the answer, such as a kept-alive connection the
        server had just closed, is retried with backoff. Timeouts are never retried here, so a
        slow dependency costs one read timeout, not several.

        Delivery is judged over every attempt: DependencyUnreachable (certainly not delivered)
        only when no attempt made a connection. An attempt whose answer was lost may have been
        acted on, so a later refused connection does not make the request undelivered.
        """
        sent_headers = dict(headers or {})
        if has_request_context() and "request_id" in g:
            sent_headers[REQUEST_ID_HEADER] = g.request_id
        if internal:
            if self._credential is None:
                raise ServiceUnavailable(f"No service credential configured to call {self.name}.")
            sent_headers["Authorization"] = self._credential.bearer()
        attempts = 1 + (self._settings.retries if keyed else 0)
        maybe_delivered = False
        for attempt in range(attempts):
            try:
                response = self._session.request(
                    method,
                    self._base_url + path,
                    json=json,
                    params=params,
                    headers=sent_headers,
                    timeout=(self._settings.connect_timeout, self._settings.read_timeout),
                )
                break
            except requests.ConnectionError as exc:
                maybe_delivered = maybe_delivered or not _never_delivered(exc)
                if attempt + 1 == attempts or isinstance(exc, requests.Timeout):
                    raise self._unavailable(exc, maybe_delivered) from exc
                time.sleep(self._settings.backoff_factor * 2**attempt)
            except requests.RequestException as exc:
                raise self._unavailable(exc, maybe_delivered or not _never_delivered(exc)) from exc
        if response.status_code >= 500:
            logger.warning(
                "dependency failed", extra={"dependency": self.name, "status": response.status_code}
            )
            raise ServiceUnavailable(f"The {self.name} service failed ({response.status_code}).")
        body = response.json() if response.content else None
        return Reply(response.status_code, body)

    def _unavailable(self, exc: requests.RequestException, maybe_delivered: bool) -> ServiceUnavailable:
        logger.warning("dependency unreachable", extra={"dependency": self.name, "error": str(exc)})
        if not maybe_delivered:
            return DependencyUnreachable(f"The {self.name} service cannot be reached.")
        return ServiceUnavailable(f"The {self.name} service is not answering.")
