"""What Cognito issues, told apart: users' ID and access tokens of the web client on user paths, the
services' client-credentials token (scope shopsmart/internal) on internal paths only; and keys that
leave the JWKS stop being trusted within 10 minutes."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask

from devstack.keys import LOCAL_AUDIENCE, LOCAL_ISSUER, LOCAL_SERVICE_CLIENT_ID
from service_kit.app import load_config, token_verifier
from service_kit.auth import INTERNAL_SCOPE, JWKS_REFETCH_INTERVAL_SECONDS, Caller, TokenVerifier
from service_kit.problems import Unauthorized

WEB_CLIENT = LOCAL_AUDIENCE
SERVICE_CLIENT = LOCAL_SERVICE_CLIENT_ID
TEN_MINUTES = 600


def id_token(**changes: Any) -> dict[str, Any]:
    """Claims of a Cognito ID token of the web client."""
    return {
        "sub": "3f1c9a52-user",
        "aud": WEB_CLIENT,
        "token_use": "id",
        "cognito:username": "alice",
        "cognito:groups": ["admin"],
        **changes,
    }


def access_token(**changes: Any) -> dict[str, Any]:
    """Claims of a Cognito access token of the web client (no `aud`: the client is in `client_id`)."""
    return {
        "sub": "3f1c9a52-user",
        "client_id": WEB_CLIENT,
        "token_use": "access",
        "scope": "openid email profile",
        "username": "alice",
        **changes,
    }


def service_token(**changes: Any) -> dict[str, Any]:
    """Claims of Cognito's client-credentials access token of the services' client."""
    return {
        "sub": SERVICE_CLIENT,
        "client_id": SERVICE_CLIENT,
        "token_use": "access",
        "scope": INTERNAL_SCOPE,
        **changes,
    }


@pytest.fixture
def signed(signing_keys):
    own_key = serialization.load_pem_private_key(signing_keys.private_key_path.read_bytes(), password=None)

    def header(claims: dict[str, Any]) -> dict[str, str]:
        now = int(time.time())
        body = {"iss": LOCAL_ISSUER, "iat": now, "exp": now + 600, **claims}
        token = jwt.encode(body, own_key, algorithm="RS256", headers={"kid": signing_keys.kid})
        return {"Authorization": f"Bearer {token}"}

    return header


@pytest.mark.parametrize(
    "claims",
    [id_token(), id_token(aud=["another-app", WEB_CLIENT]), access_token()],
    ids=["id-token", "id-token-listing-the-client", "access-token"],
)
def test_the_web_clients_tokens_are_accepted_on_user_paths(client, signed, claims):
    assert client.get("/me", headers=signed(claims)).json == {"subject": "3f1c9a52-user"}
    assert client.delete("/admin", headers=signed(claims | {"cognito:groups": ["admin"]})).status_code == 200


@pytest.mark.parametrize(
    "claims",
    [
        id_token(aud="another-app"),
        # Each kind of token names its client in its own claim only.
        id_token(aud=None, client_id=WEB_CLIENT),
        access_token(client_id=None, aud=WEB_CLIENT),
        access_token(client_id="another-app"),
        access_token(client_id=[WEB_CLIENT]),
        access_token(token_use=None),
        access_token(token_use="id"),
    ],
    ids=[
        "id-token-of-another-client",
        "id-token-with-client-id-only",
        "access-token-with-aud-only",
        "access-token-of-another-client",
        "client-id-not-a-string",
        "no-token-use",
        "access-claims-called-an-id-token",
    ],
)
def test_tokens_of_other_clients_or_shapes_are_401(client, assert_problem, signed, claims):
    claims = {name: value for name, value in claims.items() if value is not None}
    assert_problem(client.get("/me", headers=signed(claims)), 401, "unauthorized")


def test_the_services_token_is_accepted_on_internal_paths_only(client, assert_problem, signed):
    assert client.get("/internal", headers=signed(service_token())).json == {"subject": SERVICE_CLIENT}
    assert_problem(client.get("/me", headers=signed(service_token())), 403, "forbidden")
    headers = signed(service_token(**{"cognito:groups": ["admin"]}))
    assert_problem(client.delete("/admin", headers=headers), 403, "forbidden")


def test_the_services_client_without_the_internal_scope_is_401(client, assert_problem, signed):
    assert_problem(client.get("/internal", headers=signed(service_token(scope="other/scope"))), 401)


@pytest.mark.parametrize(
    "claims",
    [id_token(), access_token(), access_token(scope=f"openid {INTERNAL_SCOPE}")],
    ids=["id-token", "access-token", "web-access-token-claiming-the-internal-scope"],
)
def test_user_tokens_are_403_on_internal_paths(client, assert_problem, signed, claims):
    # The scope proves nothing by itself: only the services' client is a service.
    assert_problem(client.get("/internal", headers=signed(claims)), 403, "forbidden")


def test_the_services_client_is_a_service_even_if_listed_among_the_user_clients(
    make_app, assert_problem, signed
):
    client = make_app(JWT_AUDIENCE=f"{WEB_CLIENT},{SERVICE_CLIENT}").test_client()
    assert client.get("/internal", headers=signed(service_token())).status_code == 200
    assert_problem(client.get("/me", headers=signed(service_token())), 403)


def test_a_service_without_the_services_client_id_refuses_to_start(make_app):
    with pytest.raises(ValueError, match="SHOPSMART_SERVICE_CLIENT_ID"):
        make_app(SERVICE_CLIENT_ID=None)


def test_a_service_whose_audience_leaves_out_the_services_client_refuses_to_start(make_app):
    # The deployed bug: the platform published the web client alone, and every internal call
    # would have been refused; the service now says so when it starts.
    with pytest.raises(ValueError, match="not one of SHOPSMART_JWT_AUDIENCE's clients"):
        make_app(JWT_AUDIENCE=WEB_CLIENT)


def test_both_client_ids_come_from_the_environment(monkeypatch, signing_keys, signed):
    monkeypatch.setenv("SHOPSMART_SERVICE_CLIENT_ID", "services-from-env")
    monkeypatch.setenv("SHOPSMART_JWT_AUDIENCE", "web-from-env,services-from-env")
    app = Flask("environment")
    load_config(app, {}, {"JWKS_URL": signing_keys.jwks_url})
    verifier = token_verifier(app.config)

    def verify(claims: dict[str, Any]) -> Caller:
        return verifier.verify(signed(claims)["Authorization"].split()[1])

    assert verify(service_token(client_id="services-from-env")).is_service
    assert not verify(access_token(client_id="web-from-env")).is_service
    with pytest.raises(Unauthorized):
        verify(service_token())


class Clock:
    """Moved by hand; starts at the real time, since PyJWT checks `exp` against the real clock."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class RotatingIssuer:
    """An issuer whose JWKS file a test edits: keys added (rotated in) and removed."""

    def __init__(self, directory: Path, clock: Clock):
        self.path = directory / "jwks.json"
        self.clock = clock
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.published: set[str] = set()
        self.reads = 0

    def add(self, kid: str) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.published.add(kid)
        self._write()

    def remove(self, kid: str) -> None:
        self.published.discard(kid)
        self._write()

    def _write(self) -> None:
        keys = []
        for kid in sorted(self.published):
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
            keys.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
        self.path.write_text(json.dumps({"keys": keys}))

    def token(self, kid: str, subject: str = "alice") -> str:
        now = int(time.time())  # PyJWT checks iat and exp against the real clock
        claims = access_token(sub=subject, iss=LOCAL_ISSUER, iat=now, exp=now + 3600)
        return jwt.encode(claims, self.keys[kid], algorithm="RS256", headers={"kid": kid})

    def verifier(self) -> TokenVerifier:
        verifier = TokenVerifier(
            self.path.as_uri(), LOCAL_ISSUER, WEB_CLIENT, SERVICE_CLIENT, clock=self.clock
        )
        read = verifier._keys._read

        def counting_read() -> str:
            self.reads += 1
            return read()

        verifier._keys._read = counting_read
        return verifier


@pytest.fixture
def issuer(tmp_path: Path) -> RotatingIssuer:
    issuer = RotatingIssuer(tmp_path, Clock())
    issuer.add("old")
    return issuer


def test_a_key_removed_from_the_jwks_is_refused_within_ten_minutes(issuer):
    verifier = issuer.verifier()
    seen_before = issuer.token("old", "seen-before")
    assert verifier.verify(seen_before).subject == "seen-before"
    issuer.add("new")
    issuer.remove("old")
    issuer.clock.now += 60
    # Not yet re-read: tokens of the old key are still accepted for a while...
    assert verifier.verify(issuer.token("old", "fresh")).subject == "fresh"
    issuer.clock.now += TEN_MINUTES - 60
    # ...but ten minutes after the removal neither a remembered nor a new one is.
    for token in (seen_before, issuer.token("old", "fresh-later")):
        with pytest.raises(Unauthorized, match="no key 'old'"):
            verifier.verify(token)
    assert verifier.verify(issuer.token("new")).subject == "alice"


def test_a_rotated_in_key_is_found_on_its_first_token(issuer):
    verifier = issuer.verifier()
    assert verifier.verify(issuer.token("old")).subject == "alice"
    issuer.clock.now += JWKS_REFETCH_INTERVAL_SECONDS
    issuer.add("new")
    assert verifier.verify(issuer.token("new", "bob")).subject == "bob"
    assert issuer.reads == 2


def test_unknown_key_ids_refetch_the_jwks_at_most_once_per_interval(issuer, signing_keys):
    verifier = issuer.verifier()
    verifier.verify(issuer.token("old"))
    issuer.clock.now += JWKS_REFETCH_INTERVAL_SECONDS
    stranger = RotatingIssuer(issuer.path.parent / "elsewhere", issuer.clock)
    stranger.path.parent.mkdir()
    for number in range(20):
        stranger.add(f"made-up-{number}")
        with pytest.raises(Unauthorized):
            verifier.verify(stranger.token(f"made-up-{number}"))
    assert issuer.reads == 2
    issuer.clock.now += JWKS_REFETCH_INTERVAL_SECONDS
    with pytest.raises(Unauthorized):
        verifier.verify(stranger.token("made-up-0"))
    assert issuer.reads == 3
