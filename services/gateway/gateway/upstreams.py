"""Forwarding a request to the service that answers it, the way the load balancer does.

A small forwarder on a pooled `requests` session rather than werkzeug's `ProxyMiddleware`: that one
opens a new connection per request, routes by plain path prefix (so `/productsX` would match
`/products`) and answers an unreachable service with a 502 HTML page, where ShopSmart promises a
503 problem+json with `Retry-After`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import requests
import urllib3
from urllib3.util.retry import Retry

from service_kit.http import pooled_session
from service_kit.problems import ServiceUnavailable

logger = logging.getLogger("shopsmart.gateway")

# RFC 9110 §7.6.1: these describe one connection, so a proxy never passes them on.
HOP_BY_HOP_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# The Host names the gateway, and each side frames its own body.
_NOT_FORWARDED_REQUEST_HEADERS = HOP_BY_HOP_HEADERS | {"host", "content-length"}
_NOT_RETURNED_RESPONSE_HEADERS = HOP_BY_HOP_HEADERS | {"content-length"}


@dataclass(frozen=True)
class UpstreamSettings:
    """Timeouts and pool size of the gateway's connections to the services."""

    connect_timeout: float = 1.0
    # Longer than a service's own budget for its dependencies, so the service answers first.
    read_timeout: float = 30.0
    pool_size: int = 32
    retry_after_seconds: int = 2


@dataclass(frozen=True)
class UpstreamReply:
    """What a service answered, ready to be returned as it is."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Upstreams:
    """The services behind the gateway, by name, each reached through one pooled session."""

    def __init__(self, base_urls: Mapping[str, str], settings: UpstreamSettings | None = None):
        self._base_urls = {name: url.rstrip("/") for name, url in base_urls.items()}
        self._settings = settings or UpstreamSettings()
        # A refused connection never delivered the request, so one retry is safe for any method.
        # Nothing else is retried (only the client knows whether a POST may be repeated), and a
        # service's own 503 or Retry-After goes back to the client as it is.
        retry = Retry(
            total=None,
            connect=1,
            read=False,
            status=False,
            other=False,
            redirect=False,
            respect_retry_after_header=False,
            raise_on_status=False,
            backoff_factor=0.05,
        )
        self._session = pooled_session(retry, self._settings.pool_size, pools=len(self._base_urls) or 1)

    def forward(
        self,
        service: str,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
    ) -> UpstreamReply:
        """Send `method target` to `service` and return its answer unchanged, whatever the status.

        `target` is the path and query as the client sent them. A service that cannot be reached
        or does not answer in time becomes ServiceUnavailable (503 with `Retry-After`).
        """
        sent_headers = {
            name: value for name, value in headers if name.lower() not in _NOT_FORWARDED_REQUEST_HEADERS
        }
        try:
            response = self._session.request(
                method,
                self._base_urls[service] + target,
                headers=sent_headers,
                data=body or None,
                timeout=(self._settings.connect_timeout, self._settings.read_timeout),
                allow_redirects=False,
                stream=True,
            )
            # Raw bytes: a compressed body stays compressed and keeps its Content-Encoding. Read to
            # the end, which hands the connection back to the pool for the next request.
            content = response.raw.read(decode_content=False)
        except (requests.ReadTimeout, urllib3.exceptions.ReadTimeoutError) as exc:
            self._log_failure(service, exc)
            raise self._unavailable(f"The {service} service did not answer in time.") from exc
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            self._log_failure(service, exc)
            raise self._unavailable(f"The {service} service cannot be reached.") from exc
        returned = [
            (name, value)
            for name, value in response.raw.headers.items()
            if name.lower() not in _NOT_RETURNED_RESPONSE_HEADERS
        ]
        return UpstreamReply(response.status_code, returned, content)

    def close(self) -> None:
        self._session.close()

    def _unavailable(self, detail: str) -> ServiceUnavailable:
        return ServiceUnavailable(detail, retry_after=self._settings.retry_after_seconds)

    @staticmethod
    def _log_failure(service: str, exc: Exception) -> None:
        logger.warning("upstream failed", extra={"upstream": service, "error": str(exc)})
