"""The web shop's sign-in settings, served as `/config.json`: where its OpenID provider is (Cognito's
user pool in AWS, the local provider under `make run`) and which client it signs in as.

The document (`SHOPSMART_WEB_CONFIG`, JSON) is written by the deployment, never by the page:

    {"authority": "<the provider's issuer; its discovery document is <authority>/.well-known/...>",
     "client_id": "<the web app client>",
     "redirect_uri": "<the shop's address, where the provider sends the browser back>",
     "post_logout_redirect_uri": "<where the browser lands after signing out>",
     "scope": "openid email profile",
     "logout_endpoint": "<optional: Cognito's hosted-UI /logout, which discovery does not name>"}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify

from service_kit.problems import NotFound

WEB_CONFIG_EXTENSION = "gateway.web_config"
REQUIRED_FIELDS = ("authority", "client_id", "redirect_uri", "post_logout_redirect_uri", "scope")
OPTIONAL_URL_FIELDS = ("logout_endpoint",)
URL_FIELDS = ("authority", "redirect_uri", "post_logout_redirect_uri", *OPTIONAL_URL_FIELDS)


class WebConfigError(ValueError):
    """The web shop's sign-in settings are missing a field or hold a malformed one."""


def parse_web_config(value: str | Mapping[str, Any]) -> dict[str, str]:
    """The settings from `SHOPSMART_WEB_CONFIG` (Flask has already parsed JSON from the
    environment; a caller's override may still be text), checked field by field."""
    document = json.loads(value) if isinstance(value, str) else dict(value)
    unknown = set(document) - {*REQUIRED_FIELDS, *OPTIONAL_URL_FIELDS}
    if unknown:
        raise WebConfigError(f"unknown field(s) in the web config: {', '.join(sorted(unknown))}")
    for field in REQUIRED_FIELDS:
        if not isinstance(document.get(field), str) or not document[field]:
            raise WebConfigError(f"the web config needs {field!r} (a non-empty string)")
    for field in URL_FIELDS:
        if field in document and urlsplit(document[field]).scheme not in {"http", "https"}:
            raise WebConfigError(f"the web config's {field!r} must be an http(s) URL")
    return document


def sign_in_origins(document: Mapping[str, str]) -> list[str]:
    """The origins the page talks to while signing in (discovery, keys, tokens, sign-out)."""
    origins = []
    for field in ("authority", *OPTIONAL_URL_FIELDS):
        if field in document:
            parts = urlsplit(document[field])
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins


web_config = Blueprint("web_config", __name__)


@web_config.get("/config.json")
def config_document() -> Response:
    document = current_app.extensions.get(WEB_CONFIG_EXTENSION)
    if document is None:
        raise NotFound("Sign-in is not configured for this shop (SHOPSMART_WEB_CONFIG).")
    response = jsonify(document)
    # Revalidated on every load, like the page's files: a new deployment's settings apply at once.
    response.cache_control.no_cache = True
    return response
