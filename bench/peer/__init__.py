"""The honest floor of checkout: products, cart and orders as three tiny Flask + boto3 apps.

Each runs under the services' own gunicorn settings (`devstack.ServiceProcess`), the orders app
calls the cart and products apps over HTTP as the orders service does, and between them they make
the DynamoDB calls a purchase's guarantees need, with the same conditions: the cart's version and
50-line limit, the cart hold (one cart → one order), the recorded cart, the reservation taking
stock only while enough is left at the confirmed price, reserved → sold once, the bought lines
leaving the cart once, one order per user and Idempotency-Key. Nothing else: no schemas, logs,
metrics, problem documents, retries or recovery runs (the order carries the recovery index's
attributes, so a recovery could find it, as the services' orders do). What the services spend
beyond this peer is what their layers cost.

The apps use the tables `PEER_TABLE_PREFIX` names: in `make bench` the services' own, so both sides
read the same catalogue and carts on one DynamoDB Local (buyers of each side are users of their own).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

import boto3
import jwt
from botocore.config import Config
from flask import Flask, Response, g, request

from devstack import ServiceProcess, free_port, repo_root
from devstack.environment import AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION, JWKS_URL, JWT_ISSUER, SERVICE_TOKEN
from dynamo_common.capacity import install_capacity_hooks, start_metering, stop_metering
from dynamo_common.client import USER_AGENT
from service_kit.auth import INTERNAL_SCOPE

PEER_APPS = ("products", "cart", "orders")
PEER_TABLE_PREFIX = "BENCH_PEER_TABLE_PREFIX"
# A file to which each request appends its DynamoDB calls' units (see `metered_when_asked`).
PEER_UNITS_LOG = "BENCH_PEER_UNITS_LOG"
# Each peer app's base URL, e.g. BENCH_PEER_CART_URL, for the apps that call it.
PEER_URL_VARIABLES = {name: f"BENCH_PEER_{name.upper()}_URL" for name in PEER_APPS}
REQUEST_ID = "X-Request-ID"
# Tokens checked once and kept until they expire, as the services' `VerifiedTokens` do.
_MOST_KEPT_TOKENS = 10_000


class Unauthorised(Exception):
    """The request carries no token the peer accepts."""


def dynamodb_client() -> Any:
    """A DynamoDB client as cheap per call as the services' own.

    The pool the gunicorn threads need, and the two CPU savings `dynamo_common.make_client` makes
    (no client-side parameter validation, a fixed User-Agent): a floor that paid for them would
    flatter the services.
    """
    return boto3.client(
        "dynamodb",
        region_name=os.environ.get(AWS_REGION, "us-east-1"),
        endpoint_url=os.environ.get(AWS_ENDPOINT_URL_DYNAMODB),
        config=Config(max_pool_connections=16, parameter_validation=False, user_agent=USER_AGENT),
    )


def table_name(logical_name: str) -> str:
    return os.environ.get(PEER_TABLE_PREFIX, "peer-") + logical_name


def peer_url(name: str) -> str:
    return os.environ[PEER_URL_VARIABLES[name]]


def service_token() -> str:
    return os.environ[SERVICE_TOKEN]


def forwarded() -> dict[str, str]:
    """The request id, passed on to the apps this request calls, as the services pass theirs."""
    request_id = request.headers.get(REQUEST_ID)
    return {REQUEST_ID: request_id} if request_id else {}


def json_response(document: Any, status: int = 200) -> Response:
    return Response(json.dumps(document, default=str), status=status, mimetype="application/json")


class TokenCheck:
    """The bearer token's RS256 signature, issuer and expiry, checked once per token."""

    def __init__(self) -> None:
        jwks = Path(url2pathname(urlparse(os.environ[JWKS_URL]).path)).read_text()
        self._keys = {key.key_id: key for key in jwt.PyJWKSet.from_json(jwks).keys}
        self._issuer = os.environ.get(JWT_ISSUER, "shopsmart-local")
        self._claims: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def claims(self) -> dict[str, Any]:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        known = self._claims.get(token)
        if known is not None and known["exp"] > time.time():
            return known
        try:
            key = self._keys[jwt.get_unverified_header(token)["kid"]]
            claims = jwt.decode(
                token, key.key, algorithms=["RS256"], issuer=self._issuer, options={"verify_aud": False}
            )
        except (jwt.PyJWTError, KeyError) as exc:
            raise Unauthorised(str(exc)) from exc
        with self._lock:
            if len(self._claims) >= _MOST_KEPT_TOKENS:
                self._claims.clear()
            self._claims[token] = claims
        return claims

    def user(self) -> str:
        return self.claims()["sub"]

    def internal_caller(self) -> None:
        if INTERNAL_SCOPE not in self.claims().get("scope", "").split():
            raise Unauthorised("not the service credential")


def refuse_unauthorised(exc: Unauthorised) -> Response:
    return Response(status=401)


def peer_app(import_name: str, config: dict[str, Any] | None) -> tuple[Flask, Any, TokenCheck]:
    """What every peer app starts with: the Flask app answering readiness and refusing bad
    tokens with a bare 401, its DynamoDB client and its token check."""
    app = Flask(import_name)
    app.config.update(config or {})
    client = dynamodb_client()
    app.register_error_handler(Unauthorised, refuse_unauthorised)
    app.add_url_rule("/health/ready", "ready", lambda: json_response({"status": "ready"}))
    metered_when_asked(app, client)
    return app, client, TokenCheck()


@contextmanager
def peer_apps(
    env: dict[str, str], log_dir: Path, started: Callable[[str, int], None] | None = None
) -> Iterator[dict[str, str]]:
    """The three peer apps under gunicorn with `env` (which names their table prefix); yields
    their base URLs by name and stops them on exit. `started(name, pid)` hears of each process."""
    urls = {name: f"http://127.0.0.1:{free_port()}" for name in PEER_APPS}
    variables = {**env, **{PEER_URL_VARIABLES[name]: url for name, url in urls.items()}}
    with ExitStack() as stack:
        for name, url in urls.items():
            process = ServiceProcess(
                f"peer-{name}",
                f"bench.peer.{name}",
                env=variables,
                log_path=log_dir / f"peer-{name}.log",
                port=int(url.rsplit(":", 1)[1]),
                cwd=repo_root(),
            )
            process.start()
            stack.callback(process.stop)
            if started:
                started(name, process.pid)
        yield urls


def cart_version(lines: dict[str, tuple[int, str]], prices: dict[str, str]) -> str:
    """What a shopper confirms: the cart's lines (product → quantity, time added) and their
    prices now. The cart app shows it, the products app checks it before reserving; with the
    time added in it, a cart bought and filled again alike is a new version."""
    canonical = "\n".join(
        f"{pid}:{quantity}:{added}:{prices.get(pid, '')}" for pid, (quantity, added) in sorted(lines.items())
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def now_iso() -> str:
    """UTC with microseconds: compared as strings, as the services' timestamps are."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def metered_when_asked(app: Flask, client: Any) -> None:
    """With `PEER_UNITS_LOG` set (the cost part's own peer instance, never the throughput run's),
    each request appends its DynamoDB calls' units, by X-Request-ID, to that file as one JSON line."""
    path = os.environ.get(PEER_UNITS_LOG)
    if not path:
        return
    install_capacity_hooks(client)

    @app.before_request
    def start() -> None:
        g.peer_meter, g.peer_meter_token = start_metering()

    @app.teardown_request
    def record(_: BaseException | None) -> None:
        stop_metering(g.peer_meter_token)
        calls = [
            [cost.operation, list(cost.tables), str(cost.read_units), str(cost.write_units)]
            for cost in g.peer_meter.call_costs
        ]
        rule = request.url_rule.rule if request.url_rule else request.path
        line = json.dumps(
            {
                "request_id": request.headers.get(REQUEST_ID),
                "app": app.name.rsplit(".", 1)[-1],
                "route": f"{request.method} {rule}",
                "calls": calls,
            }
        )
        with open(path, "a") as log:
            log.write(line + "\n")
