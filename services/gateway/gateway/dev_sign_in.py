"""`POST /auth/dev-token`: the local stack's one-click sign-in, signed with the development key.

Registered only when the configuration switches it on (`SHOPSMART_DEV_SIGN_IN=true`, which only the
local stack sets); everywhere else the path does not exist and users sign in with Cognito. Even then
it answers only requests addressed to `localhost` or `127.0.0.1`: a page on another site that points
its own name at this machine (DNS rebinding) sends its name as `Host`, and is refused.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, request
from marshmallow import Schema, ValidationError, fields, validate

from devstack.keys import DevKeys, mint_token
from service_kit.auth import ADMIN_GROUP
from service_kit.identifiers import id_validator
from service_kit.problems import Forbidden, ValidationFailed

DEV_KEYS_EXTENSION = "gateway.dev_keys"
GRANTABLE_GROUPS = (ADMIN_GROUP,)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})

dev_sign_in = Blueprint("dev_sign_in", __name__)


class DevTokenRequestSchema(Schema):
    # A user id is an id like any other, so every token minted here names a valid subject.
    user_id = fields.String(required=True, validate=id_validator())
    groups = fields.List(fields.String(validate=validate.OneOf(GRANTABLE_GROUPS)), load_default=list)


@dev_sign_in.before_request
def only_for_this_machine() -> None:
    if _addressed_host() not in LOCAL_HOSTS:
        raise Forbidden("Development sign-in answers only at localhost or 127.0.0.1.")


def _addressed_host() -> str | None:
    """The host name the request was addressed to (`Host` without its port), lower-cased."""
    try:
        return urlsplit(f"//{request.host}").hostname
    except ValueError:
        return None


@dev_sign_in.post("/auth/dev-token")
def issue_dev_token() -> tuple[dict[str, Any], int, dict[str, str]]:
    """An access token for any user id, with the admin group if asked for."""
    # get_json() answers a body that is not JSON with 415 and malformed JSON with 400; the
    # gateway's depth guard has already refused one nested too deeply to parse.
    payload = request.get_json()
    try:
        wanted = DevTokenRequestSchema().load(payload)
    except ValidationError as exc:
        raise ValidationFailed("The sign-in request breaks the schema.", errors=exc.messages) from exc
    keys: DevKeys = current_app.extensions[DEV_KEYS_EXTENSION]
    ttl = int(current_app.config["DEV_TOKEN_TTL_SECONDS"])
    # For the issuer the services trust here: the local provider's under `make run`.
    token = mint_token(
        wanted["user_id"],
        sorted(set(wanted["groups"])),
        ttl=ttl,
        keys=keys,
        issuer=current_app.config["JWT_ISSUER"],
    )
    body = {"access_token": token, "token_type": "Bearer", "expires_in": ttl}
    return body, 200, {"Cache-Control": "no-store"}
