"""Guest tokens: one spelling per token, bound to the secret, refused when anything is altered."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest
from flask import Flask

from dynamo_common.signing import key_id_of
from service_kit.guests import (
    GUEST_TOKEN_HEADER,
    GuestTokens,
    init_guest_tokens,
    presented_guest_token,
    verify_guest_token,
)
from service_kit.problems import Unauthorized

SECRET = "kit-guest-token-secret-kit-guest-token-secret"
NEW_SECRET = "kit-guest-token-secret-rotated-in-a-new-one"


@pytest.fixture
def tokens() -> GuestTokens:
    return GuestTokens(SECRET)


def test_an_issued_token_verifies_to_its_random_id(tokens):
    first, second = tokens.issue(), tokens.issue()
    assert first.guest_id != second.guest_id and len(first.guest_id) == 32
    assert tokens.verify(first.token) == first.guest_id
    guest_id, _, key_id, _ = first.token.split(".")
    assert guest_id == first.guest_id and key_id == key_id_of(SECRET.encode())


def test_during_a_rotation_tokens_of_the_previous_secret_still_verify():
    before = GuestTokens(SECRET).issue()
    rotating = GuestTokens(NEW_SECRET, previous_secret=SECRET)
    assert rotating.verify(before.token) == before.guest_id
    now = rotating.issue()
    assert now.token.split(".")[2] == key_id_of(NEW_SECRET.encode())  # the new secret signs
    assert GuestTokens(NEW_SECRET).verify(now.token) == now.guest_id
    with pytest.raises(Unauthorized):
        GuestTokens(NEW_SECRET).verify(before.token)  # rotation over: the old secret is gone
    with pytest.raises(Unauthorized):
        rotating.verify(GuestTokens("a-third-secret-a-third-secret-a-third").issue().token)


def test_a_token_from_before_key_ids_verifies_under_its_secret():
    guest_id, expires = "0" * 32, str(int(time.time()) + 60)
    mac = hmac.new(SECRET.encode(), f"shopsmart-guest-token/v2:{guest_id}.{expires}".encode(), hashlib.sha256)
    legacy = f"{guest_id}.{expires}.{base64.urlsafe_b64encode(mac.digest()).rstrip(b'=').decode()}"
    assert GuestTokens(NEW_SECRET, previous_secret=SECRET).verify(legacy) == guest_id
    with pytest.raises(Unauthorized):
        GuestTokens(NEW_SECRET).verify(legacy)
    # A current token with its key id cut off is not a legacy token.
    guest_id, expires, _, signature = GuestTokens(SECRET).issue().token.split(".")
    with pytest.raises(Unauthorized):
        GuestTokens(SECRET).verify(f"{guest_id}.{expires}.{signature}")


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
