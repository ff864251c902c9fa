"""The pieces every ShopSmart app factory assembles: configuration, API docs, errors, auth, health."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask_smorest import Api, Blueprint

from dynamo_common import CursorCodec, DynamoSettings, make_client
from service_kit.api_docs import (
    ConditionalReads,
    SharedProblems,
    decimal_as_string,
    register_problem_responses,
)
from service_kit.arguments import ShopParser
from service_kit.auth import TOKEN_VERIFIER_EXTENSION, TokenVerifier
from service_kit.errors import refuse_overlong_urls, register_error_handlers
from service_kit.health import ReadinessCheck, register_health
from service_kit.http import ClientSettings, ServiceClient, ServiceCredential
from service_kit.http_cache import answer_conditional_requests
from service_kit.identifiers import ID_CONVERTER, IdConverter, id_parameter_schema
from service_kit.observability import configure_logging, install_request_observability
from service_kit.problems import ProblemSchema
from service_kit.request_guards import guard_request_bodies, keep_private_answers_private

ENV_PREFIX = "SHOPSMART"
DYNAMODB_EXTENSION = "shopsmart.dynamodb"
# Known to everyone who reads this file, so used only where nobody else can reach: a test, or a
# stack whose DynamoDB runs on this machine.
LOCAL_CURSOR_SECRET = "local-development-cursor-secret"  # noqa: S105 - public by design
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

COMMON_DEFAULTS: dict[str, Any] = {
    "TABLE_PREFIX": "shopsmart-",
    # Signs pagination cursors; the previous secret is still accepted during a rotation.
    "CURSOR_SECRET": None,
    "CURSOR_PREVIOUS_SECRET": None,
    "JWKS_URL": None,
    "JWT_ISSUER": "shopsmart-local",
    "JWT_AUDIENCE": "shopsmart",
    "SERVICE_TOKEN": None,
    "SERVICE_TOKEN_URL": None,
    "SERVICE_CLIENT_ID": None,
    "SERVICE_CLIENT_SECRET": None,
    "HTTP_CONNECT_TIMEOUT": 1.0,
    "HTTP_READ_TIMEOUT": 3.0,
    "HTTP_RETRIES": 2,
    "LOG_LEVEL": "INFO",
    "EMIT_METRICS": True,
    "API_VERSION": "1.0.0",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    # Every request body of the API is a small JSON document; Werkzeug answers a larger one, sent
    # with Content-Length or chunked, with 413.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
}


class ServiceConfigError(ValueError):
    """The configuration cannot run safely (e.g. no cursor secret outside a local run)."""


class ShopApi(Api):
    """flask-smorest's Api documenting each error an operation can answer, as problem+json."""

    ERROR_SCHEMA = ProblemSchema
    # No catch-all `default` response: it would make every status look documented.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def init_app(self, app: Flask, *, spec_kwargs: dict[str, Any] | None = None) -> None:
        merged = {**self._spec_kwargs, **(spec_kwargs or {})}
        merged["extra_plugins"] = [*merged.get("extra_plugins", ()), SharedProblems(), ConditionalReads()]
        super().init_app(app, spec_kwargs=merged)
        self.ma_plugin.converter.add_attribute_function(decimal_as_string)

    def register_blueprint(self, blp: Blueprint, *, parameters: Any = None, **options: Any) -> None:
        """Register `blp`, which must be a ShopBlueprint: a plain one would read JSON bodies with
        webargs' own parser, for which a 5,000-digit integer is a 500."""
        if not isinstance(blp.ARGUMENTS_PARSER, ShopParser):
            raise TypeError(f"Blueprint {blp.name!r} must be a service_kit ShopBlueprint.")
        super().register_blueprint(blp, parameters=parameters, **options)

    def register_legacy_alias(self, blueprint: Blueprint, legacy_prefix: str) -> None:
        """Serve an already registered `blueprint` at its old prefix too, documented as deprecated.

        The expand step of moving an API to a new (versioned) path: the provider answers both until
        every deployed consumer calls the new one; only then is the alias removed.
        """
        alias = f"{blueprint.name}_legacy"
        self.register_blueprint(blueprint, url_prefix=legacy_prefix, name=alias)
        # apispec (pinned version) keeps the documented paths here; there is no public setter.
        for operations in self.spec._paths.values():
            for operation in operations.values():
                if isinstance(operation, dict) and alias in operation.get("tags", ()):
                    operation["deprecated"] = True

    def _register_responses(self) -> None:
        # flask-smorest's hook (pinned version) for its status responses, which it serves as JSON.
        register_problem_responses(self.spec, self.ERROR_SCHEMA)


def load_config(app: Flask, defaults: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> None:
    """Defaults, then `SHOPSMART_*` environment variables, then the caller's overrides."""
    app.config.from_mapping(COMMON_DEFAULTS)
    app.config.from_mapping(defaults)
    app.config.from_prefixed_env(ENV_PREFIX)
    if overrides:
        app.config.from_mapping(overrides)


def init_service(app: Flask, service_name: str, readiness_check: ReadinessCheck) -> ShopApi:
    """Wire logging, request ids, metrics, problem+json errors, token checks, conditional GETs and
    health."""
    configure_logging(service_name, app.config["LOG_LEVEL"])
    app.config.setdefault("API_TITLE", f"ShopSmart {service_name}")
    # Routes name their ids `<id:...>`: a segment that is not an id never reaches a view.
    app.url_map.converters[ID_CONVERTER] = IdConverter
    api = ShopApi(app)
    api.register_converter(IdConverter, id_parameter_schema)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    register_error_handlers(app)
    install_request_observability(app, service_name)
    refuse_overlong_urls(app)
    guard_request_bodies(app)
    keep_private_answers_private(app)
    answer_conditional_requests(app)
    if app.config["JWKS_URL"]:
        app.extensions[TOKEN_VERIFIER_EXTENSION] = token_verifier(app.config)
    register_health(app, readiness_check)
    return api


def token_verifier(config: Mapping[str, Any]) -> TokenVerifier:
    """The verifier of users' tokens and of the services' credential.

    Without the services' client id no internal call could ever be accepted, and a guessed
    default would trust whichever client happens to carry it: the service refuses to start.
    """
    service_client = config["SERVICE_CLIENT_ID"]
    if not service_client:
        raise ValueError(
            "SHOPSMART_SERVICE_CLIENT_ID is not set: it names the services' app client, whose "
            "access tokens (scope shopsmart/internal) are the only credential internal paths accept"
        )
    accepted = [client.strip() for client in config["JWT_AUDIENCE"].split(",") if client.strip()]
    if service_client not in accepted:
        # The audience is the list of app clients whose tokens are accepted at all; a deployment
        # that leaves the services' client out of it would answer 401 to every internal call.
        raise ValueError(
            f"SHOPSMART_SERVICE_CLIENT_ID {service_client!r} is not one of SHOPSMART_JWT_AUDIENCE's "
            "clients: the audience lists every app client whose tokens the services accept, the "
            "web client and the services' own"
        )
    return TokenVerifier(
        config["JWKS_URL"],
        config["JWT_ISSUER"],
        user_clients=",".join(client for client in accepted if client != service_client),
        service_client=service_client,
    )


def init_dynamodb(app: Flask) -> tuple[Any, DynamoSettings]:
    """One pooled DynamoDB client per app, from AWS's variables and the table prefix."""
    settings = DynamoSettings.from_environment(table_prefix=app.config["TABLE_PREFIX"])
    client = make_client(settings)
    app.extensions[DYNAMODB_EXTENSION] = client
    return client, settings


def is_local_run(app: Flask, settings: DynamoSettings) -> bool:
    """A test, or a stack whose DynamoDB is on this machine (DynamoDB Local, moto's server): never
    a deployment, where no endpoint is set and AWS's own is used."""
    if app.testing:
        return True
    host = urlsplit(settings.endpoint_url).hostname if settings.endpoint_url else None
    return host in LOCAL_HOSTS


def init_cursors(app: Flask, settings: DynamoSettings) -> CursorCodec:
    """The cursor codec under `CURSOR_SECRET` (and `CURSOR_PREVIOUS_SECRET` during a rotation).

    Without a secret a local run uses the well-known development one; anywhere else the service
    refuses to start, since cursors signed with a public secret could be forged by anyone.
    """
    secret = app.config["CURSOR_SECRET"]
    if not secret:
        if not is_local_run(app, settings):
            raise ServiceConfigError(
                f"{ENV_PREFIX}_CURSOR_SECRET is not set: outside a local run (a test, or DynamoDB on "
                "this machine) the service will not sign cursors with a public default."
            )
        secret = LOCAL_CURSOR_SECRET
    return CursorCodec(str(secret), app.config["CURSOR_PREVIOUS_SECRET"] or None)


def service_client(app: Flask, name: str, base_url: str) -> ServiceClient:
    """A pooled client for the dependency `name`, carrying the service credential if configured.

    The credential is a fixed token locally (`SHOPSMART_SERVICE_TOKEN`, minted by the dev stack)
    or Cognito client credentials in AWS (`SHOPSMART_SERVICE_TOKEN_URL`, `…_CLIENT_ID`, `…_SECRET`).
    """
    config = app.config
    credential = None
    if config["SERVICE_TOKEN"] or config["SERVICE_TOKEN_URL"]:
        credential = ServiceCredential(
            token=config["SERVICE_TOKEN"],
            token_url=config["SERVICE_TOKEN_URL"],
            client_id=config["SERVICE_CLIENT_ID"],
            client_secret=config["SERVICE_CLIENT_SECRET"],
        )
    settings = ClientSettings(
        connect_timeout=float(config["HTTP_CONNECT_TIMEOUT"]),
        read_timeout=float(config["HTTP_READ_TIMEOUT"]),
        retries=int(config["HTTP_RETRIES"]),
    )
    return ServiceClient(name, base_url, settings=settings, credential=credential)
