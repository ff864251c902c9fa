"""Guest tokens: one spelling per token, bound to the secret, refused when anything is altered."""

from __future__ import annotations

import pytest
from flask import Flask

from service_kit.guests import (
    GUEST_TOKEN_HEADER,
    GuestTokens,
    init_guest_tokens,
    presented_guest_token,
    verify_guest_token,
)
from service_kit.problems import Unauthorized

SECRET = "kit-guest-token-secret-kit-guest-token-secret"


@pytest.fixture
def tokens() -> GuestTokens:
    return GuestTokens(SECRET)


def test_an_issued_token_verifies_to_its_random_id(tokens):
    first, second = tokens.issue(), tokens.issue()
    assert first.guest_id != second.guest_id and len(first.guest_id) == 32
    assert tokens.verify(first.token) == first.guest_id
    assert first.token.startswith(first.guest_id + ".")


def test_every_single_character_change_is_refused(tokens):
    token = tokens.issue().token
    alphabet = "0123456789abcdefABCDEF_-."
    for position, character in enumerate(token):
        replacement = next(c for c in alphabet if c != character)
        with pytest.raises(Unauthorized):
            tokens.verify(token[:position] + replacement + token[position + 1 :])


@pytest.mark.parametrize("cut", [1, 2, 43, 44, 70])
def test_a_truncated_token_is_refused(tokens, cut):
    token = tokens.issue().token
    with pytest.raises(Unauthorized):
        tokens.verify(token[:-cut])


def test_a_token_of_another_secret_is_refused(tokens):
    with pytest.raises(Unauthorized):
        tokens.verify(GuestTokens(SECRET + "-rotated").issue().token)


def test_a_short_secret_is_refused():
    with pytest.raises(ValueError):
        GuestTokens("short")


def test_an_app_without_a_secret_accepts_no_guest():
    app = Flask(__name__)
    app.config["GUEST_TOKEN_SECRET"] = None
    assert init_guest_tokens(app) is None
    with app.test_request_context(headers={GUEST_TOKEN_HEADER: "anything"}):
        assert presented_guest_token() == "anything"
        with pytest.raises(Unauthorized):
            verify_guest_token(GuestTokens(SECRET).issue().token)


def test_an_app_with_a_secret_verifies_its_guests():
    app = Flask(__name__)
    app.config["GUEST_TOKEN_SECRET"] = SECRET
    issued = init_guest_tokens(app).issue()
    with app.test_request_context():
        assert presented_guest_token() is None
        assert verify_guest_token(issued.token) == issued.guest_id
