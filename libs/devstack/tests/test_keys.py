from __future__ import annotations

import json
import stat
import time
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import jwt
import pytest

from devstack.cli import main
from devstack.environment import GUEST_TOKEN_SECRET, StackEnvironment
from devstack.keys import (
    DevKeys,
    ensure_cursor_secret,
    ensure_dev_keys,
    ensure_guest_token_secret,
    mint_service_token,
    mint_token,
)


def decode(token: str, keys: DevKeys) -> dict:
    # The way services verify a file:// JWKS: read the key set, pick the key by the token's kid.
    key_set = jwt.PyJWKSet.from_json(Path(url2pathname(urlparse(keys.jwks_url).path)).read_text())
    signing_key = key_set[jwt.get_unverified_header(token)["kid"]]
    # Access tokens, like Cognito's, name their client in `client_id` and carry no `aud`.
    return jwt.decode(
        token,
        signing_key.key,
        algorithms=["RS256"],
        issuer="shopsmart-local",
        options={"verify_aud": False},
    )


def test_keys_are_created_once_with_an_owner_only_private_key(tmp_path: Path) -> None:
    first = ensure_dev_keys(tmp_path / "keys")
    pem = first.private_key_path.read_bytes()

    second = ensure_dev_keys(tmp_path / "keys")

    assert second == first
    assert second.private_key_path.read_bytes() == pem
    assert stat.S_IMODE(first.private_key_path.stat().st_mode) == 0o600
    [jwk] = json.loads(first.jwks_path.read_text())["keys"]
    assert jwk["kid"] == first.kid
    assert {jwk["kty"], jwk["alg"], jwk["use"]} == {"RSA", "RS256", "sig"}
    assert "d" not in jwk


def test_a_lost_jwks_is_rebuilt_from_the_private_key(tmp_path: Path) -> None:
    keys = ensure_dev_keys(tmp_path)
    keys.jwks_path.unlink()

    assert ensure_dev_keys(tmp_path).kid == keys.kid
    assert keys.jwks_path.exists()


def test_token_verifies_against_the_jwks_with_the_expected_claims(tmp_path: Path) -> None:
    keys = ensure_dev_keys(tmp_path)
    token = mint_token("alice", groups=("admin",), ttl=600, keys=keys)

    claims = decode(token, keys)

    assert jwt.get_unverified_header(token)["kid"] == keys.kid
    assert claims["sub"] == "alice"
    assert claims["cognito:groups"] == ["admin"]
    assert claims["token_use"] == "access"
    assert (claims["client_id"], claims["username"]) == ("shopsmart", "alice")
    assert "aud" not in claims
    assert claims["exp"] - claims["iat"] == 600
    assert abs(claims["iat"] - time.time()) < 5
    assert "scope" not in claims


def test_scopes_are_one_space_separated_claim(tmp_path: Path) -> None:
    keys = ensure_dev_keys(tmp_path)

    claims = decode(mint_token("orders", scopes=("shopsmart/internal", "x"), keys=keys), keys)

    assert claims["scope"] == "shopsmart/internal x"
    assert claims["cognito:groups"] == []
    # Cognito grants the internal scope to the services' client only.
    assert claims["client_id"] == "shopsmart-services"


def test_an_id_token_names_the_web_client_as_its_audience(tmp_path: Path) -> None:
    keys = ensure_dev_keys(tmp_path)

    claims = decode(mint_token("alice", token_use="id", keys=keys), keys)

    assert (claims["token_use"], claims["aud"], claims["cognito:username"]) == ("id", "shopsmart", "alice")
    assert "client_id" not in claims


def test_the_service_token_is_the_services_clients_own(tmp_path: Path) -> None:
    keys = ensure_dev_keys(tmp_path)

    claims = decode(mint_service_token(keys), keys)

    assert claims["sub"] == claims["client_id"] == "shopsmart-services"
    assert claims["scope"] == "shopsmart/internal"


def test_an_expired_token_is_refused(tmp_path: Path) -> None:
    keys = ensure_dev_keys(tmp_path)

    with pytest.raises(jwt.ExpiredSignatureError):
        decode(mint_token("alice", ttl=-60, keys=keys), keys)


def test_a_token_signed_with_another_key_is_refused(tmp_path: Path) -> None:
    ours = ensure_dev_keys(tmp_path / "ours")
    theirs = ensure_dev_keys(tmp_path / "theirs")
    forged = jwt.encode(
        jwt.decode(mint_token("mallory", keys=theirs), options={"verify_signature": False}),
        theirs.private_key_path.read_bytes(),
        algorithm="RS256",
        headers={"kid": ours.kid},
    )

    with pytest.raises(jwt.InvalidSignatureError):
        decode(forged, ours)


def test_cursor_secret_is_kept_across_calls(tmp_path: Path) -> None:
    secret = ensure_cursor_secret(tmp_path / "cursor-secret")

    assert len(secret) >= 32
    assert ensure_cursor_secret(tmp_path / "cursor-secret") == secret
    assert stat.S_IMODE((tmp_path / "cursor-secret").stat().st_mode) == 0o600


def test_guest_token_secret_is_kept_across_calls_and_differs_from_the_cursor_secret(tmp_path: Path) -> None:
    secret = ensure_guest_token_secret(tmp_path / "guest-token-secret")

    assert len(secret) >= 32
    assert ensure_guest_token_secret(tmp_path / "guest-token-secret") == secret
    assert stat.S_IMODE((tmp_path / "guest-token-secret").stat().st_mode) == 0o600
    assert ensure_cursor_secret(tmp_path / "cursor-secret") != secret


def test_the_stack_tells_services_its_guest_token_secret() -> None:
    def stack(**extra: str) -> StackEnvironment:
        return StackEnvironment(
            endpoint_url="http://x", table_prefix="p-", jwks_url="file:///j", cursor_secret="c", **extra
        )

    kept = stack(guest_token_secret="kept-on-disk")
    assert kept.variables({})[GUEST_TOKEN_SECRET] == "kept-on-disk"
    fresh = stack()
    assert len(fresh.variables({})[GUEST_TOKEN_SECRET]) >= 32
    assert fresh.variables({})[GUEST_TOKEN_SECRET] == fresh.variables({})[GUEST_TOKEN_SECRET]
    assert stack().variables({})[GUEST_TOKEN_SECRET] != fresh.variables({})[GUEST_TOKEN_SECRET]


def test_token_command_prints_a_verifiable_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--state-dir", str(tmp_path), "token", "--user", "bob", "--groups", "admin,ops"])

    token = capsys.readouterr().out.strip()
    assert status == 0
    claims = decode(token, ensure_dev_keys(tmp_path / "dev-keys"))
    assert (claims["sub"], claims["cognito:groups"]) == ("bob", ["admin", "ops"])


def test_token_command_signs_for_the_running_stacks_issuer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "issuer").write_text("http://127.0.0.1:43210\n")  # written by `make run`
    assert main(["--state-dir", str(tmp_path), "token", "--user", "bob"]) == 0

    token = capsys.readouterr().out.strip()
    assert jwt.decode(token, options={"verify_signature": False})["iss"] == "http://127.0.0.1:43210"
