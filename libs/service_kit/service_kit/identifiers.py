"""The one shape of every id a client can send: product ids, order ids, user ids, path segments.

An id is 1 to 64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit: far
under DynamoDB's 2,048-byte key limit, and free of anything a URL, a log line or a key condition
could misread. It is always checked with a full match: `re.match` with `$` would let an id that
ends in a newline through.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, validate
from werkzeug.routing import BaseConverter

MAX_ID_LENGTH = 64
ID_REGEX = rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_ID_LENGTH - 1}}}"
# The anchored form is what OpenAPI documents; fullmatch makes the anchors exact in Python too.
ID_PATTERN = rf"^{ID_REGEX}$"
ID_RULE = f"1 to {MAX_ID_LENGTH} of A-Z a-z 0-9 . _ -, starting with a letter or digit."
ID_CONVERTER = "id"

_ID = re.compile(ID_REGEX)


def is_valid_id(value: Any) -> bool:
    """True when `value` is a string of exactly the id shape (no trailing newline, no more)."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


class FullMatch(validate.Regexp):
    """marshmallow's Regexp, matching the whole value (its own `match` lets a final newline by)."""

    def __call__(self, value: str) -> str:
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


def id_validator() -> FullMatch:
    """The validator of an id field; documented in OpenAPI as the id pattern."""
    return FullMatch(ID_PATTERN, error=ID_RULE)


class IdConverter(BaseConverter):
    """`<id:name>` in a route: a segment that is not an id does not match, so it answers 404."""

    regex = ID_REGEX
    part_isolating = True


def id_parameter_schema(_converter: IdConverter) -> dict[str, Any]:
    """How OpenAPI documents an `<id:...>` path parameter."""
    return {"type": "string", "pattern": ID_PATTERN, "minLength": 1, "maxLength": MAX_ID_LENGTH}
