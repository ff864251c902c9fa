"""Request and response shapes of the products API; the seed file is validated by the same ones."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from products_service.stock_shards import MAX_SHARDS
from service_kit.identifiers import id_validator
from service_kit.money import MAX_PRICE, PRICE_PATTERN, is_price_text

MAX_IDS_PER_REQUEST = 100
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_INVENTORY = 1_000_000


def _positive_cents(value: Decimal) -> None:
    if value <= 0:
        raise ValidationError("Must be greater than 0.")
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        raise ValidationError("Must have at most 2 decimal places.")
    if value >= MAX_PRICE:
        raise ValidationError(f"Must be less than {MAX_PRICE}.")


def _category_name(value: str) -> None:
    if value.startswith("#"):
        raise ValidationError("Must not start with '#'.")


class Price(fields.Decimal):
    """An exact amount of money: a string in JSON, a Decimal in Python; strings and numbers accepted."""

    def __init__(self, **kwargs: object):
        super().__init__(
            as_string=True,
            allow_nan=False,
            validate=_positive_cents,
            metadata={"pattern": PRICE_PATTERN, "example": "19.99"},
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal | None:
        if isinstance(value, bool) or (isinstance(value, str) and not is_price_text(value)):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class ProductFields(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=4000))
    price = Price()
    category = fields.String(validate=[validate.Length(min=1, max=100), _category_name])
    inventory_count = fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_INVENTORY))
    image_url = fields.String(validate=validate.Length(max=2048), allow_none=True)


class ProductCreateSchema(ProductFields):
    REQUIRED = frozenset({"name", "price", "category", "inventory_count"})

    product_id = fields.String(validate=id_validator())

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        field_obj.required = field_name in self.REQUIRED


class ProductUpdateSchema(ProductFields):
    @validates_schema
    def _not_empty(self, data: dict, **_: object) -> None:
        if not data:
            raise ValidationError("Give at least one field to change.")


class ProductSchema(ProductFields):
    product_id = fields.String(dump_only=True)
    description = fields.String()
    created_at = fields.String(dump_only=True)
    updated_at = fields.String(dump_only=True)
    stock_shards = fields.Integer(
        dump_only=True,
        metadata={"description": "How many items hold the stock (more than 1 for a hot product)."},
    )


class StockShardsSchema(Schema):
    shards = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_SHARDS),
        metadata={"description": "How many items to split the stock over; shards only grow."},
    )


class ProductListArgsSchema(Schema):
    category = fields.String(validate=[validate.Length(min=1, max=100), _category_name])
    ids = fields.String(metadata={"description": f"Comma-separated ids, at most {MAX_IDS_PER_REQUEST}."})
    limit = fields.Integer(load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))
    cursor = fields.String(validate=validate.Length(max=2048))

    @validates_schema
    def _ids_alone(self, data: dict, **_: object) -> None:
        if "ids" in data and ("category" in data or "cursor" in data):
            raise ValidationError("'ids' cannot be combined with 'category' or 'cursor'.", "ids")


class ProductPageSchema(Schema):
    items = fields.List(fields.Nested(ProductSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class CategorySchema(Schema):
    name = fields.String(required=True)
    product_count = fields.Integer(required=True)


class CategoryListSchema(Schema):
    items = fields.List(fields.Nested(CategorySchema), required=True)
