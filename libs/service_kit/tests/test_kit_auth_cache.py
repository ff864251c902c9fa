"""A verified token's caller is kept until the token expires, and only that exact token hits."""

from __future__ import annotations

import jwt
import pytest

from devstack.keys import LOCAL_AUDIENCE, LOCAL_ISSUER, LOCAL_SERVICE_CLIENT_ID
from service_kit.auth import Caller, TokenVerifier, VerifiedTokens
from service_kit.problems import Unauthorized


class Clock:
    def __init__(self, now: float = 1_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def verifier(signing_keys) -> TokenVerifier:
    return TokenVerifier(signing_keys.jwks_url, LOCAL_ISSUER, LOCAL_AUDIENCE, LOCAL_SERVICE_CLIENT_ID)


def token_of(auth_headers, user: str, **options) -> str:
    return auth_headers(user, **options)["Authorization"].split()[1]


def test_a_token_is_checked_once_then_answered_from_the_cache(verifier, auth_headers, monkeypatch):
    decodes = []
    original = jwt.decode

    def counting_decode(*args, **kwargs):
        decodes.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)
    token = token_of(auth_headers, "alice")
    callers = [verifier.verify(token) for _ in range(5)]
    assert {caller.subject for caller in callers} == {"alice"}
    assert len(decodes) == 1
    verifier.verify(token_of(auth_headers, "bob"))
    assert len(decodes) == 2


def test_a_changed_signature_is_never_taken_from_the_cache(verifier, auth_headers):
    token = token_of(auth_headers, "alice")
    assert verifier.verify(token).subject == "alice"
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    with pytest.raises(Unauthorized):
        verifier.verify(tampered)


def test_an_expired_token_is_refused_even_after_it_was_cached(verifier, auth_headers):
    # Expired by more than the leeway: refused the first time and every time after.
    token = token_of(auth_headers, "alice", ttl=-120)
    for _ in range(2):
        with pytest.raises(Unauthorized, match="expired"):
            verifier.verify(token)


def test_a_kept_caller_is_forgotten_when_its_token_expires():
    clock = Clock()
    kept = VerifiedTokens(clock=clock)
    kept.keep("token", Caller("alice"), expires_at=clock.now + 60)
    assert kept.get("token") == Caller("alice")
    clock.now += 60
    assert kept.get("token") is None
    clock.now -= 30  # an entry once expired is gone, whatever the clock says next
    assert kept.get("token") is None


def test_the_cache_holds_at_most_its_size_dropping_the_least_recently_used():
    clock = Clock()
    kept = VerifiedTokens(size=2, clock=clock)
    for name in ("a", "b"):
        kept.keep(name, Caller(name), expires_at=clock.now + 60)
    assert kept.get("a") is not None  # "b" is now the least recently used
    kept.keep("c", Caller("c"), expires_at=clock.now + 60)
    assert kept.get("b") is None
    assert kept.get("a") == Caller("a")
    assert kept.get("c") == Caller("c")
