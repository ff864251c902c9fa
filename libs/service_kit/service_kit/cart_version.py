"""The cart version: the lines and prices a shopper saw, as one opaque token.

The cart service hands it out with every cart view; the checkout sends it back and the orders
service decodes it to check, at reservation time, that nothing the shopper confirmed has changed.
Each line's `added_at` is part of it, so a cart bought and then filled again with the same lines
has a new version: two checkouts confirming one version are two tries at one purchase.

It carries no authority: prices are always the catalogue's, so a forged version can only make a
checkout fail, never make it cheaper. It is therefore not signed (signing would add a secret that
cart and orders must share and rotate together, for no power a forger lacks), but it is read as
hostile input: its size, depth, types and every value are checked before anything uses them, so
a forged one is refused at once (`MalformedCartVersion`, a 422) and never reaches products.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from service_kit.identifiers import is_valid_id
from service_kit.money import is_price_text
from service_kit.request_guards import nests_deeper_than

VERSION_PREFIX = "v1."
MAX_VERSION_LENGTH = 8192
# A cart's own limits: at most 50 distinct products, 1 to 99 of each.
MAX_LINES = 50
MAX_QUANTITY = 99
# A list of lines, each a list: nothing in a version nests deeper.
VERSION_DEPTH = 2
# When the line was first added: an ISO 8601 time as the cart writes it ("" on lines older than that).
_ADDED_AT = re.compile(r"[0-9A-Za-z:.+-]{0,40}")


class MalformedCartVersion(ValueError):
    """The token is not a cart version this code wrote."""


@dataclass(frozen=True)
class SeenLine:
    """A cart line as the shopper saw it; `price` is None when the product was gone."""

    product_id: str
    quantity: int
    price: Decimal | None
    added_at: str = ""


def encode_cart_version(lines: Iterable[SeenLine]) -> str:
    canonical = sorted(
        [line.product_id, line.quantity, None if line.price is None else str(line.price), line.added_at]
        for line in lines
    )
    payload = json.dumps(canonical, separators=(",", ":")).encode()
    return VERSION_PREFIX + base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cart_version(token: str) -> tuple[SeenLine, ...]:
    """The lines `token` stands for; MalformedCartVersion for anything the cart could not have
    written, whatever it is (never another exception)."""
    if not isinstance(token, str) or not token.startswith(VERSION_PREFIX) or len(token) > MAX_VERSION_LENGTH:
        raise MalformedCartVersion("not a cart version")
    encoded = token.removeprefix(VERSION_PREFIX)
    try:
        payload = base64.b64decode(encoded + "=" * (-len(encoded) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedCartVersion("not base64url") from exc
    # The parser recurses once per level: the depth is bounded before it ever sees the text.
    if nests_deeper_than(payload, VERSION_DEPTH):
        raise MalformedCartVersion("nested too deeply")
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, undecodable bytes, huge integers
        raise MalformedCartVersion("not JSON") from exc
    if not isinstance(document, list) or len(document) > MAX_LINES:
        raise MalformedCartVersion("not a list of at most 50 lines")
    lines = tuple(_line(entry) for entry in document)
    if len({line.product_id for line in lines}) != len(lines):
        raise MalformedCartVersion("a product appears twice")
    return lines


def _line(entry: object) -> SeenLine:
    if not isinstance(entry, list) or len(entry) != 4:
        raise MalformedCartVersion("a line is not [product_id, quantity, price, added_at]")
    product_id, quantity, price, added_at = entry
    if not is_valid_id(product_id):
        raise MalformedCartVersion("a product id breaks the id rule")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise MalformedCartVersion(f"a quantity is not a whole number from 1 to {MAX_QUANTITY}")
    if price is not None and not is_price_text(price):
        raise MalformedCartVersion("a price is not one the catalogue could hold")
    if not isinstance(added_at, str) or _ADDED_AT.fullmatch(added_at) is None:
        raise MalformedCartVersion("a line's added_at is not a time")
    return SeenLine(product_id, quantity, None if price is None else Decimal(price), added_at)
