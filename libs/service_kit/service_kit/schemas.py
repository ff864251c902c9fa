"""The base of every internal (service-to-service) request and response schema."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema


class InternalSchema(Schema):
    """Unknown fields are ignored, not refused: a consumer may add an optional field before its
    provider knows it, and an older provider still answers (a tolerant reader)."""

    class Meta:
        unknown = EXCLUDE
