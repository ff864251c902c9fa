"""The environment variables that tell a service where the local stack's pieces are."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from devstack.keys import LOCAL_ACCEPTED_CLIENTS, LOCAL_ISSUER, LOCAL_SERVICE_CLIENT_ID
from dynamo_common.client import DEFAULT_REGION

TABLE_PREFIX = "SHOPSMART_TABLE_PREFIX"
JWKS_URL = "SHOPSMART_JWKS_URL"
JWT_ISSUER = "SHOPSMART_JWT_ISSUER"
JWT_AUDIENCE = "SHOPSMART_JWT_AUDIENCE"
CURSOR_SECRET = "SHOPSMART_CURSOR_SECRET"  # noqa: S105 - a variable name, not a secret
SERVICE_TOKEN = "SHOPSMART_SERVICE_TOKEN"  # noqa: S105 - a variable name, not a secret
SERVICE_CLIENT_ID = "SHOPSMART_SERVICE_CLIENT_ID"
SERVICE_TOKEN_URL = "SHOPSMART_SERVICE_TOKEN_URL"  # noqa: S105 - a variable name, not a secret
SERVICE_CLIENT_SECRET = "SHOPSMART_SERVICE_CLIENT_SECRET"  # noqa: S105 - a variable name, not a secret
WEB_CONFIG = "SHOPSMART_WEB_CONFIG"
GUEST_TOKEN_SECRET = "SHOPSMART_GUEST_TOKEN_SECRET"  # noqa: S105 - a variable name, not a secret
DEV_SIGN_IN = "SHOPSMART_DEV_SIGN_IN"
DEV_SIGNING_KEY_DIR = "SHOPSMART_DEV_SIGNING_KEY_DIR"
AWS_REGION = "AWS_REGION"
AWS_ENDPOINT_URL_DYNAMODB = "AWS_ENDPOINT_URL_DYNAMODB"
AWS_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
AWS_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY"  # noqa: S105 - a variable name, not a secret
# A developer's real profile or session token would otherwise be mixed with the local keys.
_REAL_AWS_IDENTITY = ("AWS_PROFILE", "AWS_SESSION_TOKEN")

DEFAULT_TABLE_PREFIX = "shopsmart-"
# DynamoDB Local accepts any alphanumeric credentials.
LOCAL_CREDENTIALS = "local"


def service_url_variable(service_name: str) -> str:
    """The variable holding a peer service's base URL, e.g. SHOPSMART_PRODUCTS_URL."""
    return f"SHOPSMART_{service_name.upper()}_URL"


def configured_region() -> str:
    return os.environ.get(AWS_REGION) or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def configured_table_prefix() -> str:
    return os.environ.get(TABLE_PREFIX, DEFAULT_TABLE_PREFIX)


@dataclass(frozen=True)
class StackEnvironment:
    """Everything a service is told about the local stack."""

    endpoint_url: str
    table_prefix: str
    jwks_url: str
    cursor_secret: str
    service_token: str = ""
    issuer: str = LOCAL_ISSUER
    # With a sign-in provider (`make run`, the browser tier): the services get their credential by
    # client credentials, as in AWS, and the gateway serves the web shop's sign-in settings.
    service_token_url: str = ""
    service_client_secret: str = ""
    web_config: Mapping[str, str] | None = None
    region: str = DEFAULT_REGION
    service_urls: Mapping[str, str] = field(default_factory=dict)
    # Set only by the local stack: the gateway then lets the page sign in with the development key.
    dev_signing_key_dir: Path | None = None
    # `make run` passes the one kept on disk; any other stack (tests, benchmarks) gets a fresh one.
    guest_token_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def variables(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this process's environment) with the stack's variables set."""
        variables = dict(os.environ if base is None else base)
        for name in _REAL_AWS_IDENTITY:
            variables.pop(name, None)
        variables.update(
            {
                TABLE_PREFIX: self.table_prefix,
                AWS_REGION: self.region,
                AWS_ENDPOINT_URL_DYNAMODB: self.endpoint_url,
                AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS,
                AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS,
                JWKS_URL: self.jwks_url,
                JWT_ISSUER: self.issuer,
                JWT_AUDIENCE: LOCAL_ACCEPTED_CLIENTS,
                SERVICE_CLIENT_ID: LOCAL_SERVICE_CLIENT_ID,
                CURSOR_SECRET: self.cursor_secret,
                SERVICE_TOKEN: self.service_token,
                GUEST_TOKEN_SECRET: self.guest_token_secret,
                # Logs reach the log file as they are written, not when a buffer fills.
                "PYTHONUNBUFFERED": "1",
            }
        )
        variables.update({service_url_variable(name): url for name, url in self.service_urls.items()})
        for name in (SERVICE_TOKEN_URL, SERVICE_CLIENT_SECRET, WEB_CONFIG):
            variables.pop(name, None)
        if self.service_token_url:
            variables[SERVICE_TOKEN_URL] = self.service_token_url
            variables[SERVICE_CLIENT_SECRET] = self.service_client_secret
        if self.web_config is not None:
            variables[WEB_CONFIG] = json.dumps(self.web_config)
        if self.dev_signing_key_dir is None:
            # Never inherited from the shell: only a stack that asks for it gets dev sign-in.
            variables.pop(DEV_SIGN_IN, None)
            variables.pop(DEV_SIGNING_KEY_DIR, None)
        else:
            variables[DEV_SIGN_IN] = "true"
            variables[DEV_SIGNING_KEY_DIR] = str(self.dev_signing_key_dir.resolve())
        return variables
