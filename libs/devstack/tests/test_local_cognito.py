"""The local OpenID provider: tokens shaped as Cognito's, which the services' verifier tells apart
exactly as it tells apart Cognito's, fetched from the provider's own JWKS endpoint."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import requests

from devstack.keys import LOCAL_AUDIENCE, LOCAL_SERVICE_CLIENT_ID, DevKeys, mint_token
from devstack.local_cognito import LocalCognito
from service_kit.auth import INTERNAL_SCOPE, TokenVerifier
from service_kit.http import ServiceCredential
from service_kit.problems import Unauthorized

SHOP = "http://127.0.0.1:8080"


@pytest.fixture(scope="module")
def provider(signing_keys: DevKeys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCognito]:
    directory = tmp_path_factory.mktemp("sign-in")
    provider = LocalCognito(
        keys=signing_keys,
        shop_urls=[SHOP],
        log_path=directory / "sign-in.log",
        settings_path=directory / "settings.json",
    )
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def verifier(provider: LocalCognito) -> TokenVerifier:
    return TokenVerifier(provider.jwks_url, provider.issuer, LOCAL_AUDIENCE, LOCAL_SERVICE_CLIENT_ID)


def test_the_services_client_credentials_token_is_the_service_credential(provider, verifier):
    credential = ServiceCredential(
        token_url=provider.token_url,
        client_id=LOCAL_SERVICE_CLIENT_ID,
        client_secret=provider.service_client_secret,
    )
    token = credential.bearer().removeprefix("Bearer ")

    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["client_id"], claims["token_use"], claims["scope"]) == (
        LOCAL_SERVICE_CLIENT_ID,
        "access",
        INTERNAL_SCOPE,
    )
    assert verifier.verify(token).is_service


def test_a_wrong_client_secret_gets_no_token(provider):
    credential = ServiceCredential(
        token_url=provider.token_url, client_id=LOCAL_SERVICE_CLIENT_ID, client_secret="guessed"
    )
    with pytest.raises(Exception, match="could not be obtained"):
        credential.bearer()


def test_the_web_client_cannot_use_client_credentials(provider):
    answer = requests.post(
        provider.token_url,
        data={"grant_type": "client_credentials", "client_id": LOCAL_AUDIENCE, "scope": INTERNAL_SCOPE},
        timeout=5,
    )
    assert answer.status_code in (400, 401)


def test_make_token_tokens_verify_against_the_providers_jwks(provider, verifier, signing_keys):
    token = mint_token("alice", groups=["admin"], keys=signing_keys, issuer=provider.issuer)
    caller = verifier.verify(token)
    assert (caller.subject, caller.is_admin, caller.is_service) == ("alice", True, False)
    with pytest.raises(Unauthorized):
        verifier.verify(mint_token("alice", keys=signing_keys))  # another issuer


def test_discovery_names_the_endpoints_the_web_shop_uses(provider):
    discovery = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=5).json()
    assert discovery["issuer"] == provider.issuer
    assert discovery["jwks_uri"] == provider.jwks_url
    assert discovery["end_session_endpoint"].startswith(provider.issuer)
    assert discovery["code_challenge_methods_supported"] == ["S256"]


def test_the_settings_file_is_owner_only_and_the_web_config_names_the_shop(provider):
    assert stat.S_IMODE(provider.settings_path.stat().st_mode) == 0o600
    settings = json.loads(Path(provider.settings_path).read_text())
    assert "http://localhost:8080/" in settings["redirect_uris"]
    assert provider.web_config(SHOP) == {
        "authority": provider.issuer,
        "client_id": LOCAL_AUDIENCE,
        "redirect_uri": f"{SHOP}/",
        "post_logout_redirect_uri": f"{SHOP}/",
        "scope": "openid email profile",
    }
