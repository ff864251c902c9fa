"""The catalogue's money rule, shared by whoever reads a price a client could have written."""

from __future__ import annotations

import re
from decimal import Decimal

# ASCII digits only (Python's Decimal would also read "1_000" and other scripts' digits), at most
# two decimals, under a million: the catalogue holds no other price.
PRICE_PATTERN = r"^[0-9]{1,6}(\.[0-9]{1,2})?$"
MAX_PRICE = Decimal("1000000")

_PRICE_TEXT = re.compile(PRICE_PATTERN)


def is_price_text(value: object) -> bool:
    """True when `value` is a string spelling a price the catalogue could hold (0 included)."""
    return isinstance(value, str) and _PRICE_TEXT.fullmatch(value) is not None
