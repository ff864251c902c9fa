"""The cart version: the lines and prices a shopper saw, as one opaque token.

The cart service hands it out with every cart view; the checkout sends it back and the orders
service decodes it to check, at reservation time, that nothing the shopper confirmed has changed.
Each line's `added_at` is part of it, so a cart bought and then filled again with the same lines
has a new version: two checkouts confirming one version are two tries at one purchase.
It carries no authority: prices are always the catalogue's, so a forged version can only make a
checkout fail, never make it cheaper.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

VERSION_PREFIX = "v1."
MAX_VERSION_LENGTH = 8192


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
    if not token.startswith(VERSION_PREFIX) or len(token) > MAX_VERSION_LENGTH:
        raise MalformedCartVersion("not a cart version")
    encoded = token.removeprefix(VERSION_PREFIX)
    try:
        payload = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        lines = tuple(
            SeenLine(str(product_id), int(quantity), None if price is None else Decimal(price), str(added_at))
            for product_id, quantity, price, added_at in payload
        )
    except (binascii.Error, ValueError, TypeError, InvalidOperation) as exc:
        raise MalformedCartVersion("not a cart version") from exc
    if any(line.price is not None and not line.price.is_finite() for line in lines):
        raise MalformedCartVersion("not a cart version")
    return lines
