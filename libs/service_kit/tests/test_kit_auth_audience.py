"""Audiences: Cognito ID tokens carry `aud`, access tokens carry `client_id` instead."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from devstack.keys import LOCAL_ISSUER
from service_kit.auth import TokenVerifier
from service_kit.problems import Unauthorized


@pytest.fixture
def sign(signing_keys):
    private_key = serialization.load_pem_private_key(signing_keys.private_key_path.read_bytes(), None)

    def token(**claims: object) -> str:
        now = int(time.time())
        body = {"sub": "u1", "iss": LOCAL_ISSUER, "iat": now, "exp": now + 60, **claims}
        return jwt.encode(body, private_key, algorithm="RS256", headers={"kid": signing_keys.kid})

    return token


@pytest.fixture
def verifier(jwks_url):
    return TokenVerifier(jwks_url, LOCAL_ISSUER, "web-client, service-client")


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "web-client"},
        {"aud": ["other", "service-client"]},
        {"token_use": "access", "client_id": "service-client", "scope": "shopsmart/internal"},
    ],
)
def test_any_configured_client_is_accepted(verifier, sign, claims):
    assert verifier.verify(sign(**claims)).subject == "u1"


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"aud": "someone-else"},
        {"token_use": "id", "client_id": "web-client"},
        {"token_use": "access", "client_id": "someone-else"},
    ],
)
def test_other_audiences_are_refused(verifier, sign, claims):
    with pytest.raises(Unauthorized):
        verifier.verify(sign(**claims))
