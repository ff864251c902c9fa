"""Response shapes of the orders API (checkout takes no body: prices never come from the client)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service_kit.identifiers import FullMatch
from service_kit.problems import ProblemSchema

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_IDEMPOTENCY_KEY_LENGTH = 128


class OrderLineSchema(Schema):
    product_id = fields.String(required=True)
    name = fields.String(required=True)
    unit_price = fields.Decimal(as_string=True, required=True)
    quantity = fields.Integer(required=True)
    line_total = fields.Decimal(as_string=True, required=True)


class OrderSchema(Schema):
    order_id = fields.String(required=True)
    status = fields.String(required=True)
    items = fields.List(fields.Nested(OrderLineSchema), required=True)
    total_price = fields.Decimal(as_string=True, allow_none=True, required=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class OrderPageSchema(Schema):
    items = fields.List(fields.Nested(OrderSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class OrderListArgsSchema(Schema):
    limit = fields.Integer(load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))
    cursor = fields.String(validate=validate.Length(max=2048))


class CheckoutHeadersSchema(Schema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        required=True,
        validate=FullMatch(rf"^[\x21-\x7e]{{1,{MAX_IDEMPOTENCY_KEY_LENGTH}}}$"),
        metadata={"description": "A fresh value per checkout; repeating it returns the same order."},
    )


class ShortItemSchema(Schema):
    product_id = fields.String(required=True)
    requested = fields.Integer(required=True)
    available = fields.Integer(required=True)


class CheckoutProblemSchema(ProblemSchema):
    """A checkout that ended without an order: `short_items` names each line short of stock."""

    order_id = fields.String()
    short_items = fields.List(fields.Nested(ShortItemSchema))
