"""Routes of the cart API: thin views over the cart rules, the repository and the products lookup."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from cart_service.cart import (
    BoughtItem,
    CartLine,
    CartView,
    CheckoutRead,
    CheckoutRemovals,
    add_to_cart,
    empty_cart,
    read_for_checkout,
    remove_bought,
    remove_line,
    set_quantity,
    view_cart,
)
from cart_service.catalogue import ProductCatalogue
from cart_service.repository import CartRepository
from cart_service.schemas import (
    CartLineSchema,
    CartViewSchema,
    CheckoutReadSchema,
    CheckoutRemovalsArgsSchema,
    CheckoutRemovalsSchema,
    LineAddSchema,
    LineQuantitySchema,
)
from service_kit.api_docs import problem_responses
from service_kit.auth import current_user, service_required, user_required

REPOSITORY_EXTENSION = "cart.repository"
PRODUCTS_CLIENT_EXTENSION = "cart.products_client"
BEARER = [{"bearerAuth": []}]  # documented per view; auth is checked before the body

cart = Blueprint("cart", __name__, description="The caller's own cart")
internal = Blueprint(
    "internal", __name__, url_prefix="/internal", description="For other ShopSmart services only"
)


def _repository() -> CartRepository:
    return current_app.extensions[REPOSITORY_EXTENSION]


def _products() -> ProductCatalogue:
    return ProductCatalogue(current_app.extensions[PRODUCTS_CLIENT_EXTENSION])


def _shopper() -> str:
    return current_user().subject


@cart.route("/cart")
class Cart(MethodView):
    @user_required
    @cart.response(200, CartViewSchema)
    @cart.doc(security=BEARER)
    def get(self) -> CartView:
        """The caller's lines with each product's current name, price and stock, and the subtotal."""
        return view_cart(_repository(), _products(), _shopper())

    @user_required
    @cart.response(204)
    @problem_responses(cart, 409)
    @cart.doc(security=BEARER)
    def delete(self) -> None:
        """Empty the caller's cart."""
        empty_cart(_repository(), _shopper())


@cart.route("/cart/items")
class CartItems(MethodView):
    @user_required
    @cart.arguments(LineAddSchema)
    @cart.response(200, CartLineSchema)
    @problem_responses(cart, 404, 409)
    @cart.doc(security=BEARER)
    def post(self, body: dict[str, Any]) -> CartLine:
        """Add a quantity of a product, to its line if the cart has one (at most 99 a line)."""
        return add_to_cart(_repository(), _products(), _shopper(), body["product_id"], body["quantity"])


@cart.route("/cart/items/<product_id>")
class CartItem(MethodView):
    @user_required
    @cart.arguments(LineQuantitySchema)
    @cart.response(200, CartLineSchema)
    @problem_responses(cart, 404, 409)
    @cart.doc(security=BEARER)
    def put(self, body: dict[str, Any], product_id: str) -> CartLine:
        """Set the quantity of a product's line, creating the line if needed."""
        return set_quantity(_repository(), _products(), _shopper(), product_id, body["quantity"])

    @user_required
    @cart.response(204)
    @problem_responses(cart, 404, 409)
    @cart.doc(security=BEARER)
    def delete(self, product_id: str) -> None:
        """Remove a product's line."""
        remove_line(_repository(), _shopper(), product_id)


@internal.route("/carts/<user_id>")
class InternalCart(MethodView):
    @service_required
    @internal.response(200, CheckoutReadSchema)
    @internal.doc(security=BEARER)
    def get(self, user_id: str) -> CheckoutRead:
        """A user's lines for checkout (consistent read), with the moment they were read."""
        return read_for_checkout(_repository(), user_id)


@internal.route("/carts/<user_id>/checkout-removals")
class CheckoutRemovalsView(MethodView):
    @service_required
    @internal.arguments(CheckoutRemovalsArgsSchema)
    @internal.response(200, CheckoutRemovalsSchema)
    @problem_responses(internal, 409)
    @internal.doc(security=BEARER)
    def post(self, body: dict[str, Any], user_id: str) -> CheckoutRemovals:
        """Remove exactly what an order bought; lines added after `read_at` stay. Safe to repeat."""
        items = [BoughtItem(item["product_id"], item["quantity"]) for item in body["items"]]
        return remove_bought(_repository(), user_id, body["order_id"], body["read_at"], items)
