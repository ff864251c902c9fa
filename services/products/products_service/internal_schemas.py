"""Request and response shapes of the internal reservations API (unknown fields ignored)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from service_kit.identifiers import id_validator
from service_kit.problems import ProblemSchema
from service_kit.schemas import InternalSchema

MAX_RESERVATION_LINES = 50
MAX_LINE_QUANTITY = 99


class Money(fields.Decimal):
    """An exact amount with two decimal places, written as a string."""

    def __init__(self, **kwargs: object):
        super().__init__(places=2, as_string=True, allow_nan=False, **kwargs)


class ReservationLineRequestSchema(InternalSchema):
    product_id = fields.String(required=True, validate=id_validator())
    quantity = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_LINE_QUANTITY)
    )
    expected_price = Money(
        metadata={"description": "The price the shopper confirmed; any other price → 409 prices-changed."}
    )


class ReservationRequestSchema(InternalSchema):
    """What an order asks to reserve; prices are never accepted, the catalogue's are used."""

    order_id = fields.String(required=True, validate=id_validator())
    items = fields.List(
        fields.Nested(ReservationLineRequestSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_RESERVATION_LINES),
    )

    @validates_schema
    def _one_line_per_product(self, data: dict, **_: object) -> None:
        product_ids = [line["product_id"] for line in data.get("items", [])]
        repeated = sorted({pid for pid in product_ids if product_ids.count(pid) > 1})
        if repeated:
            raise ValidationError(f"Each product may appear once; repeated: {repeated}.", "items")


class ReservedLineSchema(InternalSchema):
    product_id = fields.String(required=True)
    name = fields.String(required=True)
    unit_price = Money(required=True)
    quantity = fields.Integer(required=True)


class ReservationSchema(InternalSchema):
    order_id = fields.String(required=True)
    status = fields.String(
        required=True, metadata={"enum": ["RESERVED", "COMMITTED", "RELEASED", "RETURNED"]}
    )
    items = fields.List(fields.Nested(ReservedLineSchema), required=True, attribute="lines")
    total_price = Money(required=True)


class HeldReservationsArgsSchema(InternalSchema):
    held_for_seconds = fields.Integer(required=True, validate=validate.Range(min=0, max=30 * 24 * 3600))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=100))


class HeldReservationsSchema(InternalSchema):
    order_ids = fields.List(fields.String(), required=True)


class ChangedPriceSchema(InternalSchema):
    product_id = fields.String(required=True)
    old_price = fields.String(required=True)
    new_price = fields.String(required=True)


class ShortLineSchema(InternalSchema):
    product_id = fields.String(required=True)
    requested = fields.Integer(required=True)
    available = fields.Integer(required=True)


class StockProblemSchema(ProblemSchema):
    """A refused reservation; when stock is short, `short_items` names every short line."""

    short_items = fields.List(fields.Nested(ShortLineSchema))
    changed_items = fields.List(fields.Nested(ChangedPriceSchema))
