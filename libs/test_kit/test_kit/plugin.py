"""Fixtures every test tier shares: a throwaway signing key, tokens, an AWS-free environment and
the problem+json check. Registered as a pytest plugin (`pytest11`), so a service's own tests find
them with only the service and `libs/` installed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from devstack.keys import DevKeys, ensure_dev_keys, mint_token
from test_kit.problems import assert_problem


@pytest.fixture(scope="session")
def signing_keys(tmp_path_factory: pytest.TempPathFactory) -> DevKeys:
    return ensure_dev_keys(tmp_path_factory.mktemp("dev-keys"))


@pytest.fixture(scope="session")
def jwks_url(signing_keys: DevKeys) -> str:
    return signing_keys.jwks_url


@pytest.fixture(scope="session")
def auth_headers(signing_keys: DevKeys) -> Callable[..., dict[str, str]]:
    """`auth_headers("alice", groups=["admin"])` → an Authorization header with a signed token."""

    def headers(
        user_id: str, groups: Iterable[str] = (), scopes: Iterable[str] = (), ttl: int = 3600
    ) -> dict[str, str]:
        token = mint_token(user_id, groups=groups, scopes=scopes, ttl=ttl, keys=signing_keys)
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def aws_test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and no endpoint override, so moto intercepts every call."""
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


@pytest.fixture
def expect_problem() -> Callable[[Any, int], dict[str, Any]]:
    """`expect_problem(response, 404)` checks a problem+json response and returns its body."""
    return assert_problem
