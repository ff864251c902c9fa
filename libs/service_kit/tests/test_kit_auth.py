"""Bearer tokens: signature, issuer, audience and expiry checked; users, admins and the service credential."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.keys import GROUPS_CLAIM, LOCAL_AUDIENCE, LOCAL_ISSUER, LOCAL_SERVICE_CLIENT_ID
from service_kit.auth import INTERNAL_SCOPE, Caller, TokenVerifier
from service_kit.problems import Unauthorized


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    values = {
        "sub": "alice",
        "iss": LOCAL_ISSUER,
        "aud": LOCAL_AUDIENCE,
        "token_use": "id",
        "iat": now,
        "exp": now + 600,
    }
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


@pytest.fixture(scope="module")
def stranger_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def sign(signing_keys):
    """`sign(claims, key=..., kid=...)` → an Authorization header; defaults to the test key and its kid."""
    own_key = serialization.load_pem_private_key(signing_keys.private_key_path.read_bytes(), password=None)

    def header(
        payload: dict[str, Any], key: Any = None, kid: str | None = signing_keys.kid
    ) -> dict[str, str]:
        token = jwt.encode(payload, key or own_key, algorithm="RS256", headers={"kid": kid} if kid else None)
        return {"Authorization": f"Bearer {token}"}

    return header


def test_user_token_is_accepted(client, auth_headers):
    response = client.get("/me", headers=auth_headers("alice"))
    assert response.status_code == 200
    assert response.json == {"subject": "alice"}


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic YWxpY2U6cHc=", "Token abc"])
def test_missing_or_non_bearer_credential_is_401(client, assert_problem, header):
    response = client.get("/me", headers={"Authorization": header} if header is not None else {})
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_garbage_token_is_401(client, assert_problem):
    assert_problem(client.get("/me", headers={"Authorization": "Bearer not.a.jwt"}), 401)


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "https://cognito-idp.example/other-pool"},
        {"aud": "another-app"},
        {"exp": int(time.time()) - 120},
        {"exp": None},
        {"sub": None},
        {"aud": None},
        {"token_use": None},
        {"token_use": "refresh"},
    ],
    ids=[
        "wrong-issuer",
        "wrong-audience",
        "expired",
        "no-expiry",
        "no-subject",
        "no-audience",
        "no-token-use",
        "other-token-use",
    ],
)
def test_token_with_bad_claims_is_401(client, assert_problem, sign, changes):
    response = client.get("/me", headers=sign(claims(**changes)))
    assert_problem(response, 401, "unauthorized")


def test_expired_token_from_the_shared_helper_is_401(client, assert_problem, auth_headers):
    assert_problem(client.get("/me", headers=auth_headers("alice", ttl=-120)), 401)


def test_token_within_the_clock_leeway_is_accepted(client, sign):
    assert client.get("/me", headers=sign(claims(exp=int(time.time()) - 5))).status_code == 200


def test_forged_signature_under_our_kid_is_401(client, assert_problem, sign, stranger_key):
    body = assert_problem(client.get("/me", headers=sign(claims(), key=stranger_key)), 401)
    assert "Signature" in body["detail"]


def test_unknown_kid_is_401(client, assert_problem, sign):
    assert_problem(client.get("/me", headers=sign(claims(), kid="someone-elses-key")), 401)


def test_token_without_kid_is_401(client, assert_problem, sign):
    assert_problem(client.get("/me", headers=sign(claims(), kid=None)), 401)


def test_hmac_token_using_the_public_key_as_secret_is_401(client, assert_problem, signing_keys):
    token = jwt.encode(claims(), "x" * 32, algorithm="HS256", headers={"kid": signing_keys.kid})
    assert_problem(client.get("/me", headers={"Authorization": f"Bearer {token}"}), 401)


def test_admin_may_use_admin_paths(client, auth_headers):
    response = client.delete("/admin", headers=auth_headers("ada", groups=["admin", "staff"]))
    assert response.status_code == 200


def test_non_admin_is_403_on_admin_paths(client, assert_problem, auth_headers):
    assert_problem(client.delete("/admin", headers=auth_headers("sam", groups=["staff"])), 403, "forbidden")


def test_admin_path_without_token_is_401_not_403(client, assert_problem):
    assert_problem(client.delete("/admin"), 401)


@pytest.mark.parametrize(
    "malformed",
    [
        {GROUPS_CLAIM: "admin"},
        {GROUPS_CLAIM: [["admin"]]},
        {GROUPS_CLAIM: {"admin": 1}},
        {"sub": ""},
        {"sub": 7},
        {"sub": "alice\n"},
        {"sub": "a" * 2100},
        {"scope": ["shopsmart/internal"]},
        {"aud": {"shopsmart": 1}},
        {"aud": [["shopsmart"]]},
    ],
    ids=repr,
)
def test_a_signed_token_with_malformed_claims_proves_nobody(client, assert_problem, sign, malformed):
    # frozenset("admin") would be a set of letters, and an empty subject nobody: refused, not guessed.
    assert_problem(client.delete("/admin", headers=sign(claims(**malformed))), 401)


def test_service_credential_is_accepted_on_internal_paths(client, auth_headers):
    response = client.get("/internal", headers=auth_headers("orders-service", scopes=[INTERNAL_SCOPE]))
    assert response.status_code == 200
    assert response.json == {"subject": "orders-service"}


@pytest.mark.parametrize(("method", "path"), [("GET", "/me"), ("DELETE", "/admin")])
def test_service_credential_is_403_on_user_paths(client, assert_problem, auth_headers, method, path):
    headers = auth_headers("orders-service", groups=["admin"], scopes=[INTERNAL_SCOPE])
    assert_problem(client.open(path, method=method, headers=headers), 403, "forbidden")


@pytest.mark.parametrize("groups", [(), ("admin",)])
def test_user_token_is_403_on_internal_paths(client, assert_problem, auth_headers, groups):
    assert_problem(client.get("/internal", headers=auth_headers("ada", groups=groups)), 403)


def test_other_scopes_do_not_make_a_service(client, assert_problem, auth_headers):
    headers = auth_headers("app", scopes=["shopsmart/read", "openid"])
    assert_problem(client.get("/internal", headers=headers), 403)


def test_without_a_jwks_every_token_is_refused(make_app, assert_problem, auth_headers):
    client = make_app(JWKS_URL=None).test_client()
    body = assert_problem(client.get("/me", headers=auth_headers("alice")), 401)
    assert "JWKS" in body["detail"]


def test_jwks_file_is_read_once_for_many_verifications(make_app, auth_headers, signing_keys, monkeypatch):
    reads: list[Path] = []
    original = Path.read_text

    def counting_read_text(self: Path, *args: Any, **kwargs: Any) -> str:
        reads.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counting_read_text)
    client = make_app().test_client()
    for user in ("a", "b", "c", "d", "e"):
        assert client.get("/me", headers=auth_headers(user)).status_code == 200
    assert reads.count(signing_keys.jwks_path) == 1


def test_missing_jwks_file_is_401_not_500(tmp_path, signing_keys):
    verifier = TokenVerifier(
        (tmp_path / "absent.json").as_uri(), LOCAL_ISSUER, LOCAL_AUDIENCE, LOCAL_SERVICE_CLIENT_ID
    )
    token = jwt.encode(
        claims(),
        serialization.load_pem_private_key(signing_keys.private_key_path.read_bytes(), password=None),
        algorithm="RS256",
        headers={"kid": signing_keys.kid},
    )
    with pytest.raises(Unauthorized, match="signing keys cannot be fetched"):
        verifier.verify(token)


def test_service_credential_is_never_an_admin_even_with_the_group():
    caller = Caller("orders-service", groups=frozenset({"admin"}), is_service=True)
    assert caller.is_service
    assert not caller.is_admin


def test_verifier_reads_groups_and_scopes(signing_keys, auth_headers):
    verifier = TokenVerifier(signing_keys.jwks_url, LOCAL_ISSUER, LOCAL_AUDIENCE, LOCAL_SERVICE_CLIENT_ID)
    token = auth_headers("ada", groups=["admin"], scopes=["a", "b"])["Authorization"].split()[1]
    caller = verifier.verify(token)
    assert (caller.subject, caller.groups, caller.scopes) == ("ada", {"admin"}, {"a", "b"})
    assert caller.is_admin and not caller.is_service
