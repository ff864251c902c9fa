"""Request and response shapes of the orders API.

The checkout's body carries only the cart version the shopper confirmed: prices never come from
the client, they only gate the checkout (any difference → 409 cart-changed).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from service_kit.cart_version import MAX_VERSION_LENGTH, MalformedCartVersion, decode_cart_version
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


def _a_cart_version(value: str) -> None:
    try:
        decode_cart_version(value)
    except MalformedCartVersion as exc:
        raise ValidationError("Not a cart version: send the `version` of `GET /cart`.") from exc


class CheckoutSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # e.g. prices a client sends: never trusted, never an error

    cart_version = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=MAX_VERSION_LENGTH), _a_cart_version],
        metadata={
            "description": "The `version` of the cart view the shopper confirmed. Required: if a "
            "line or a price differs at reservation time the checkout is refused (409 "
            "cart-changed, each changed line named) and nothing is reserved."
        },
    )


class ChangedItemSchema(Schema):
    product_id = fields.String(required=True)
    old_price = fields.String(metadata={"description": "The price the shopper saw."})
    new_price = fields.String(metadata={"description": "The price now."})
    old_quantity = fields.Integer(metadata={"description": "The quantity the shopper saw (0: no line)."})
    new_quantity = fields.Integer(metadata={"description": "The quantity in the cart now (0: no line)."})


class ShortItemSchema(Schema):
    product_id = fields.String(required=True)
    requested = fields.Integer(required=True)
    available = fields.Integer(required=True)


class CheckoutProblemSchema(ProblemSchema):
    """A checkout that ended without an order: `short_items` names each line short of stock,
    `changed_items` each line that differs from the confirmed cart version, and
    `holding_order_id` the order whose checkout holds the cart."""

    order_id = fields.String()
    short_items = fields.List(fields.Nested(ShortItemSchema))
    changed_items = fields.List(fields.Nested(ChangedItemSchema))
    holding_order_id = fields.String()
