"""The cart version: what the cart writes reads back the same, and anything else a client can
send is MalformedCartVersion (a 422 at checkout), never another exception."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service_kit.cart_version import (
    MAX_LINES,
    MAX_QUANTITY,
    MAX_VERSION_LENGTH,
    MalformedCartVersion,
    SeenLine,
    decode_cart_version,
    encode_cart_version,
)
from service_kit.identifiers import is_valid_id
from service_kit.money import MAX_PRICE

ADDED = "2026-12-05T00:00:00.000000Z"


def token_of(payload: bytes | str) -> str:
    raw = payload.encode() if isinstance(payload, str) else payload
    return "v1." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def version_of(lines: object) -> str:
    return token_of(json.dumps(lines))


def test_a_version_reads_back_as_the_lines_it_was_made_of():
    lines = [
        SeenLine("tea", 2, Decimal("4.50"), ADDED),
        SeenLine("mug", 99, Decimal("999999.99"), ADDED),
        SeenLine("gone", 1, None, ""),
        SeenLine("free", 1, Decimal("0"), ADDED),
    ]
    decoded = decode_cart_version(encode_cart_version(lines))
    assert sorted(decoded, key=lambda line: line.product_id) == sorted(
        lines, key=lambda line: line.product_id
    )
    assert decode_cart_version(encode_cart_version([])) == ()


def test_a_full_cart_fits_in_a_version():
    lines = [
        SeenLine(f"product-{n:02d}" + "x" * 50, MAX_QUANTITY, Decimal("999999.99"), ADDED) for n in range(50)
    ]
    token = encode_cart_version(lines)
    assert len(token) <= MAX_VERSION_LENGTH
    assert len(decode_cart_version(token)) == MAX_LINES


def good_line(**changes: object) -> list[object]:
    line: dict[str, object] = {"product_id": "tea", "quantity": 1, "price": "4.50", "added_at": ADDED}
    line.update(changes)
    return list(line.values())


MALFORMED = {
    "not a version": "hello",
    "other prefix": "v2." + version_of([good_line()])[3:],
    "too long": "v1." + "A" * MAX_VERSION_LENGTH,
    "not base64": "v1.not-base64!",
    "not utf-8": token_of(b"\xff\xfe[]"),
    "not json": token_of("[[tea"),
    # 6,000 brackets fit the length limit; the parser would recurse past Python's limit.
    "deep nesting": token_of("[" * 6000),
    "three levels": version_of([[["tea"], 1, "4.50", ADDED]]),
    "huge integer": token_of('[["tea", ' + "9" * 5000 + ', "4.50", ""]]'),
    "quantity 1e400": token_of('[["tea", 1e400, "4.50", ""]]'),
    "not a list": version_of({"tea": 1}),
    "a string": version_of("tea"),
    "too many lines": version_of([good_line(product_id=f"p{n}") for n in range(MAX_LINES + 1)]),
    "a line not a list": version_of([{"product_id": "tea"}]),
    "three fields": version_of([good_line()[:3]]),
    "five fields": version_of([[*good_line(), "x"]]),
    "id with a newline": version_of([good_line(product_id="tea\n")]),
    "id too long": version_of([good_line(product_id="a" * 65)]),
    "id not a string": version_of([good_line(product_id=7)]),
    "the same product twice": version_of([good_line(), good_line(quantity=2)]),
    "quantity 0": version_of([good_line(quantity=0)]),
    "quantity 100": version_of([good_line(quantity=MAX_QUANTITY + 1)]),
    "negative quantity": version_of([good_line(quantity=-1)]),
    "quantity a float": version_of([good_line(quantity=1.0)]),
    "quantity true": version_of([good_line(quantity=True)]),
    "quantity a string": version_of([good_line(quantity="1")]),
    "price -1": version_of([good_line(price="-1")]),
    "price a number": version_of([good_line(price=4.5)]),
    "price three decimals": version_of([good_line(price="4.505")]),
    "price NaN": version_of([good_line(price="NaN")]),
    "price Infinity": version_of([good_line(price="Infinity")]),
    "price exponent": version_of([good_line(price="1e3")]),
    "price a million": version_of([good_line(price=str(MAX_PRICE))]),
    "price other digits": version_of([good_line(price="\u0664.50")]),
    "price underscores": version_of([good_line(price="1_000")]),
    "added_at a number": version_of([good_line(added_at=5)]),
    "added_at text": version_of([good_line(added_at="<script>")]),
}


@pytest.mark.parametrize("token", MALFORMED.values(), ids=MALFORMED.keys())
def test_every_malformed_shape_is_refused(token):
    with pytest.raises(MalformedCartVersion):
        decode_cart_version(token)


def test_a_token_that_is_not_a_string_is_refused():
    with pytest.raises(MalformedCartVersion):
        decode_cart_version(b"v1.W10")  # type: ignore[arg-type]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**6), max_value=10**6)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["tea", "4.50", "-1", "1e400", "NaN", "0.001", ADDED, "", "a\n"])
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=20,
)
lines_like = st.lists(
    st.tuples(
        st.sampled_from(["tea", "mug", "tea\n", "", 5]),
        st.one_of(st.integers(min_value=-2, max_value=101), st.floats(), st.booleans()),
        st.one_of(
            st.none(), st.sampled_from(["4.50", "0", "-1", "1.005", "999999.99", "1000000"]), st.floats()
        ),
        st.sampled_from([ADDED, "", 3, None]),
    ).map(list),
    max_size=4,
)


def strict_json(value: object) -> str:
    return json.dumps(value, allow_nan=True)


tokens = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=200).map(token_of),
    json_values.map(strict_json).map(token_of),
    lines_like.map(strict_json).map(token_of),
    st.integers(min_value=1, max_value=8000).map(lambda depth: token_of("[" * depth)),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens)
def test_decoding_gives_valid_lines_or_malformed_and_nothing_else(token):
    try:
        lines = decode_cart_version(token)
    except MalformedCartVersion:
        return
    assert len(lines) <= MAX_LINES
    assert len({line.product_id for line in lines}) == len(lines)
    for line in lines:
        assert is_valid_id(line.product_id)
        assert type(line.quantity) is int and 1 <= line.quantity <= MAX_QUANTITY
        if line.price is not None:
            assert line.price.is_finite() and 0 <= line.price < MAX_PRICE
            assert line.price.as_tuple().exponent >= -2
        assert isinstance(line.added_at, str)
