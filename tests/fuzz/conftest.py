"""The callers every fuzz module sends its cases as."""

from __future__ import annotations

import pytest

ADMIN = "fuzz-admin"
SHOPPER = "fuzz-shopper"


@pytest.fixture(scope="module")
def admin(auth_headers) -> dict[str, str]:
    return auth_headers(ADMIN, groups=["admin"])


@pytest.fixture(scope="module")
def shopper(auth_headers) -> dict[str, str]:
    return auth_headers(SHOPPER)


@pytest.fixture(scope="module")
def service(auth_headers) -> dict[str, str]:
    return auth_headers("fuzz-svc", scopes=["shopsmart/internal"])
