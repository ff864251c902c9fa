"""Pagination cursors decode only when this service issued them for this listing."""

from __future__ import annotations

import base64
import json

import pytest

from dynamo_common import CursorCodec, InvalidCursor

KEY = {"ProductID": {"S": "teapot-1"}, "Category": {"S": "Kitchen"}, "Name": {"S": "Teapot"}}
SCOPE = "products:category=Kitchen"


@pytest.fixture
def codec() -> CursorCodec:
    return CursorCodec("cursor-secret")


def test_round_trip(codec):
    cursor = codec.encode(KEY, SCOPE)
    assert isinstance(cursor, str)
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor
    assert codec.decode(cursor, SCOPE) == KEY


def test_same_key_gives_same_cursor_whatever_the_key_order(codec):
    reordered = dict(reversed(list(KEY.items())))
    assert codec.encode(reordered, SCOPE) == codec.encode(KEY, SCOPE)


def test_another_instance_with_the_same_secret_accepts_it(codec):
    assert CursorCodec(b"cursor-secret").decode(codec.encode(KEY, SCOPE), SCOPE) == KEY


@pytest.mark.parametrize("key", [None, {}])
def test_no_next_page_is_no_cursor(codec, key):
    assert codec.encode(key, SCOPE) is None


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_is_the_first_page(codec, cursor):
    assert codec.decode(cursor, SCOPE) is None


def test_secret_is_required():
    with pytest.raises(ValueError, match="secret"):
        CursorCodec("")


def test_cursor_of_another_listing_is_refused(codec):
    with pytest.raises(InvalidCursor):
        codec.decode(codec.encode(KEY, SCOPE), "products:category=Garden")


def test_cursor_signed_with_another_secret_is_refused(codec):
    with pytest.raises(InvalidCursor):
        codec.decode(CursorCodec("another-secret").encode(KEY, SCOPE), SCOPE)


def test_forged_payload_with_the_old_signature_is_refused(codec):
    raw = base64.urlsafe_b64decode(codec.encode(KEY, SCOPE) + "==")
    payload, signature = raw[:-16], raw[-16:]
    forged_payload = payload.replace(b"teapot-1", b"teapot-9")
    assert forged_payload != payload
    forged = base64.urlsafe_b64encode(forged_payload + signature).rstrip(b"=").decode()
    with pytest.raises(InvalidCursor):
        codec.decode(forged, SCOPE)


def test_unsigned_key_is_refused(codec):
    bare = base64.urlsafe_b64encode(json.dumps(KEY).encode()).decode()
    with pytest.raises(InvalidCursor):
        codec.decode(bare, SCOPE)


@pytest.mark.parametrize("keep", [1, 10, 21, -1, -5])
def test_truncated_cursor_is_refused(codec, keep):
    with pytest.raises(InvalidCursor):
        codec.decode(codec.encode(KEY, SCOPE)[:keep], SCOPE)


@pytest.mark.parametrize("cursor", ["A", "!!!!", "not base64 at all?", "é", "%%%%%%%%%%%%%%%%%%%%%%%%%%"])
def test_non_base64_is_refused(codec, cursor):
    with pytest.raises(InvalidCursor):
        codec.decode(cursor, SCOPE)


@pytest.mark.parametrize("payload", [["ProductID"], "teapot-1", 42])
def test_signed_value_that_is_not_a_key_is_refused(codec, payload):
    with pytest.raises(InvalidCursor, match="does not hold a key"):
        codec.decode(codec.encode(payload, SCOPE), SCOPE)  # type: ignore[arg-type]


def test_a_cursor_names_the_key_that_signed_it():
    from dynamo_common.signing import key_id_of

    cursor = CursorCodec("cursor-secret").encode(KEY, SCOPE)
    assert cursor.partition(".")[0] == key_id_of(b"cursor-secret")
    assert CursorCodec("another-secret").encode(KEY, SCOPE).partition(".")[0] != key_id_of(b"cursor-secret")


def test_during_a_rotation_cursors_of_the_previous_secret_are_still_accepted():
    old = CursorCodec("old-secret")
    rotating = CursorCodec("new-secret", previous_secret="old-secret")
    issued_before = old.encode(KEY, SCOPE)
    assert rotating.decode(issued_before, SCOPE) == KEY
    issued_now = rotating.encode(KEY, SCOPE)
    assert CursorCodec("new-secret").decode(issued_now, SCOPE) == KEY  # the new secret signs
    with pytest.raises(InvalidCursor):
        CursorCodec("new-secret").decode(issued_before, SCOPE)  # rotation over: the old one is gone
    with pytest.raises(InvalidCursor):
        rotating.decode(CursorCodec("a-third-secret").encode(KEY, SCOPE), SCOPE)


def test_a_cursor_under_a_known_key_id_but_another_secret_is_refused():
    forged = CursorCodec("forger").encode(KEY, SCOPE)
    _, _, body = forged.partition(".")
    real_id = CursorCodec("cursor-secret").encode(KEY, SCOPE).partition(".")[0]
    with pytest.raises(InvalidCursor):
        CursorCodec("cursor-secret").decode(f"{real_id}.{body}", SCOPE)


def test_a_cursor_from_before_key_ids_is_still_accepted_by_its_secret():
    import hashlib
    import hmac

    payload = json.dumps(KEY, sort_keys=True, separators=(",", ":")).encode()
    signature = hmac.new(b"old-secret", SCOPE.encode() + b"\x00" + payload, hashlib.sha256).digest()[:16]
    legacy = base64.urlsafe_b64encode(payload + signature).rstrip(b"=").decode()
    assert CursorCodec("new-secret", previous_secret="old-secret").decode(legacy, SCOPE) == KEY
    with pytest.raises(InvalidCursor):
        CursorCodec("new-secret").decode(legacy, SCOPE)
