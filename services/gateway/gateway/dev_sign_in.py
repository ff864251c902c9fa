"""`POST /auth/dev-token`: the local stack's one-click sign-in, signed with the development key.

Registered only when the configuration switches it on (`SHOPSMART_DEV_SIGN_IN=true`, which only the
local stack sets); everywhere else the path does not exist and users sign in with Cognito.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from marshmallow import Schema, ValidationError, fields, validate

from devstack.keys import DevKeys, mint_token
from service_kit.auth import ADMIN_GROUP
from service_kit.problems import ValidationFailed

DEV_KEYS_EXTENSION = "gateway.dev_keys"
USER_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
GRANTABLE_GROUPS = (ADMIN_GROUP,)

dev_sign_in = Blueprint("dev_sign_in", __name__)


class DevTokenRequestSchema(Schema):
    user_id = fields.String(
        required=True,
        validate=validate.Regexp(USER_ID_PATTERN, error="Use 1 to 64 letters, digits, '.', '_' or '-'."),
    )
    groups = fields.List(fields.String(validate=validate.OneOf(GRANTABLE_GROUPS)), load_default=list)


@dev_sign_in.post("/auth/dev-token")
def issue_dev_token() -> tuple[dict[str, Any], int, dict[str, str]]:
    """An access token for any user id, with the admin group if asked for."""
    # get_json() answers a body that is not JSON with 415 and malformed JSON with 400.
    payload = request.get_json()
    try:
        wanted = DevTokenRequestSchema().load(payload)
    except ValidationError as exc:
        raise ValidationFailed("The sign-in request breaks the schema.", errors=exc.messages) from exc
    keys: DevKeys = current_app.extensions[DEV_KEYS_EXTENSION]
    ttl = int(current_app.config["DEV_TOKEN_TTL_SECONDS"])
    token = mint_token(wanted["user_id"], sorted(set(wanted["groups"])), ttl=ttl, keys=keys)
    body = {"access_token": token, "token_type": "Bearer", "expires_in": ttl}
    return body, 200, {"Cache-Control": "no-store"}
