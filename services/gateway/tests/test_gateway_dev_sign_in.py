"""`POST /auth/dev-token`: on only where configuration says so, and only for well-formed requests."""

from __future__ import annotations

import pytest

from gateway import GatewayConfigError
from service_kit.auth import TokenVerifier

SIGN_IN = "/auth/dev-token"


@pytest.fixture
def client(make_app):
    return make_app(DEV_SIGN_IN=True).test_client()


@pytest.fixture
def verifier(jwks_url: str) -> TokenVerifier:
    """Checks tokens the way every service does."""
    return TokenVerifier(jwks_url, "shopsmart-local", "shopsmart", "shopsmart-services")


def test_a_shopper_gets_a_token_the_services_accept(client, verifier):
    response = client.post(SIGN_IN, json={"user_id": "demo-shopper"})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    caller = verifier.verify(body["access_token"])
    assert caller.subject == "demo-shopper"
    assert not caller.is_admin and not caller.is_service


def test_tokens_name_the_issuer_the_services_trust(make_app, jwks_url):
    client = make_app(DEV_SIGN_IN=True, JWT_ISSUER="http://127.0.0.1:9999").test_client()
    token = client.post(SIGN_IN, json={"user_id": "demo-shopper"}).json["access_token"]
    verifier = TokenVerifier(jwks_url, "http://127.0.0.1:9999", "shopsmart", "shopsmart-services")
    assert verifier.verify(token).subject == "demo-shopper"


def test_an_admin_gets_the_admin_group(client, verifier):
    response = client.post(SIGN_IN, json={"user_id": "demo-admin", "groups": ["admin", "admin"]})

    caller = verifier.verify(response.json["access_token"])
    assert caller.is_admin
    assert caller.groups == frozenset({"admin"})


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user_id": ""},
        {"user_id": "x" * 65},
        {"user_id": "alice smith"},
        {"user_id": "../alice"},
        {"user_id": 42},
        {"user_id": "alice", "groups": ["root"]},
        {"user_id": "alice", "groups": "admin"},
        {"user_id": "alice", "scopes": ["shopsmart/internal"]},
        ["alice"],
    ],
)
def test_a_request_breaking_the_schema_is_a_422(client, expect_problem, body):
    problem = expect_problem(client.post(SIGN_IN, json=body), 422)

    assert problem["errors"]


def test_malformed_json_is_a_400(client, expect_problem):
    expect_problem(client.post(SIGN_IN, data="{", content_type="application/json"), 400)


def test_a_body_that_is_not_json_is_a_415(client, expect_problem):
    # A form post from another site cannot mint a token for the page.
    expect_problem(client.post(SIGN_IN, data={"user_id": "alice"}), 415)


def test_only_post_mints_a_token(client, expect_problem):
    expect_problem(client.get(SIGN_IN), 404)


def test_switched_off_by_default_the_path_does_not_exist(make_app, expect_problem):
    client = make_app().test_client()

    expect_problem(client.post(SIGN_IN, json={"user_id": "alice"}), 404)
    expect_problem(client.get(SIGN_IN), 404)


@pytest.mark.parametrize(("value", "enabled"), [("true", True), ("1", True), ("false", False), ("no", False)])
def test_the_environment_switches_it(make_app, monkeypatch, value, enabled):
    monkeypatch.setenv("SHOPSMART_DEV_SIGN_IN", value)

    response = make_app().test_client().post(SIGN_IN, json={"user_id": "alice"})

    assert response.status_code == (200 if enabled else 404)


def test_switched_on_without_a_signing_key_the_gateway_does_not_start(make_app):
    with pytest.raises(GatewayConfigError, match="DEV_SIGNING_KEY_DIR"):
        make_app(DEV_SIGN_IN=True, DEV_SIGNING_KEY_DIR=None)
