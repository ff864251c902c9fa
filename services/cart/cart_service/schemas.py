"""Request and response shapes of the cart API, public and internal."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from cart_service.cart import MAX_LINES, MAX_QUANTITY
from service_kit.cart_version import MAX_VERSION_LENGTH
from service_kit.identifiers import id_validator
from service_kit.schemas import InternalSchema

# A guest token is 87 characters; anything much longer is not one.
GUEST_TOKEN_MAX_LENGTH = 256


def _quantity(**kwargs: object) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_QUANTITY), **kwargs)


class Money(fields.Decimal):
    """An exact amount: a Decimal in Python, a string with two places in JSON."""

    def __init__(self, **kwargs: object):
        super().__init__(places=2, as_string=True, **kwargs)


class LineAddSchema(Schema):
    product_id = fields.String(required=True, validate=id_validator())
    quantity = _quantity(required=True)


class LineQuantitySchema(Schema):
    quantity = _quantity(required=True)


class CartLineSchema(Schema):
    product_id = fields.String(dump_only=True)
    quantity = fields.Integer(dump_only=True)
    added_at = fields.String(dump_only=True)


class CartEntrySchema(Schema):
    product_id = fields.String(required=True)
    quantity = fields.Integer(required=True)
    name = fields.String(allow_none=True, required=True)
    price = Money(allow_none=True, required=True)
    inventory_count = fields.Integer(allow_none=True, required=True)
    image_url = fields.String(allow_none=True, required=True)
    line_total = Money(allow_none=True, required=True)
    available = fields.Boolean(
        required=True, metadata={"description": "False when the product no longer exists."}
    )
    added_price = Money(
        allow_none=True,
        required=True,
        metadata={"description": "The price when the line was last added to or set (null if unknown)."},
    )
    price_changed = fields.Boolean(
        required=True,
        metadata={"description": "True when `price` differs from `added_price`; checkout charges `price`."},
    )


class CartViewSchema(Schema):
    items = fields.List(fields.Nested(CartEntrySchema), required=True)
    subtotal = Money(required=True, metadata={"description": "The total of the available lines."})
    version = fields.String(
        required=True,
        metadata={
            "description": "Stands for the lines and prices shown; send it as `cart_version` to "
            "`POST /orders` to confirm them."
        },
    )


class GuestTokenSchema(Schema):
    guest_token = fields.String(
        dump_only=True,
        metadata={"description": "Send it as the `X-Guest-Token` header; it proves this guest's identity."},
    )


class GuestMergeSchema(Schema):
    guest_token = fields.String(
        required=True,
        validate=validate.Length(min=1, max=GUEST_TOKEN_MAX_LENGTH),
        metadata={"description": "The guest token whose cart moves into the signed-in user's."},
    )


class MergedItemSchema(Schema):
    product_id = fields.String(required=True)
    quantity = fields.Integer(required=True)


class MergeResultSchema(CartViewSchema):
    moved = fields.List(
        fields.Nested(MergedItemSchema),
        required=True,
        metadata={"description": "The guest lines this request moved (quantities as the guest held them)."},
    )
    not_moved = fields.List(
        fields.Nested(MergedItemSchema),
        required=True,
        metadata={
            "description": "Guest lines left in the guest's cart: the user's cart had no place for them."
        },
    )


class CheckoutLineSchema(InternalSchema):
    product_id = fields.String(required=True)
    quantity = fields.Integer(required=True)
    added_at = fields.String(required=True)


class CheckoutReadSchema(InternalSchema):
    user_id = fields.String(required=True)
    items = fields.List(fields.Nested(CheckoutLineSchema), required=True)
    read_at = fields.String(required=True, metadata={"description": "When the lines were read (UTC)."})


class CheckoutClaimSchema(InternalSchema):
    order_id = fields.String(required=True, validate=id_validator())
    cart_version = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_VERSION_LENGTH),
        metadata={"description": "The cart version the order's shopper confirmed."},
    )
    replacing = fields.String(
        validate=id_validator(),
        metadata={"description": "An order known to be finished or gone, whose hold may be taken over."},
    )


class BoughtItemSchema(InternalSchema):
    product_id = fields.String(required=True, validate=id_validator())
    quantity = _quantity(required=True)


class CheckoutRemovalsArgsSchema(InternalSchema):
    order_id = fields.String(required=True, validate=id_validator())
    read_at = fields.AwareDateTime(
        required=True, metadata={"description": "The `read_at` of the cart read the order was built from."}
    )
    items = fields.List(
        fields.Nested(BoughtItemSchema), required=True, validate=validate.Length(min=1, max=MAX_LINES)
    )

    @validates_schema
    def _one_entry_per_product(self, data: dict, **_: object) -> None:
        product_ids = [item["product_id"] for item in data.get("items", [])]
        if len(product_ids) != len(set(product_ids)):
            raise ValidationError("Each product may appear only once.", "items")


class CheckoutRemovalsSchema(InternalSchema):
    order_id = fields.String(required=True)
    removed = fields.List(fields.Nested(BoughtItemSchema), required=True)
    kept = fields.List(
        fields.Nested(BoughtItemSchema),
        required=True,
        metadata={"description": "Items left alone because their line was added after `read_at`."},
    )
