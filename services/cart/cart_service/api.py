"""Routes of the cart API: thin views over the cart rules, the repository and the products lookup.

The public paths serve the caller's own cart: a signed-in user's (a bearer token) or a guest's
(`X-Guest-Token`). When both are sent the bearer token wins, and the service credential is refused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request
from flask.views import MethodView

from cart_service.cart import (
    BoughtItem,
    CartLine,
    CartView,
    CheckoutRead,
    CheckoutRemovals,
    add_to_cart,
    claim_for_checkout,
    empty_cart,
    guest_owner,
    is_user_id,
    merge_guest_cart,
    read_for_checkout,
    release_checkout_claim,
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
    CheckoutClaimSchema,
    CheckoutReadSchema,
    CheckoutRemovalsArgsSchema,
    CheckoutRemovalsSchema,
    GuestMergeSchema,
    GuestTokenSchema,
    LineAddSchema,
    LineQuantitySchema,
    MergeResultSchema,
)
from service_kit.api_docs import problem_responses, response_links
from service_kit.arguments import ShopBlueprint
from service_kit.auth import current_user, service_required, user_required
from service_kit.guests import guest_tokens, presented_guest_token, verify_guest_token
from service_kit.problems import NotFound, ServiceUnavailable, Unauthorized
from service_kit.routes import INTERNAL_PREFIX

REPOSITORY_EXTENSION = "cart.repository"
PRODUCTS_CLIENT_EXTENSION = "cart.products_client"
GUEST_SECURITY_SCHEME = "guestToken"
# Documented per view; the caller is checked before the body.
BEARER = [{"bearerAuth": []}]
# The version is part of the path: a breaking change is served as v2 beside v1 (see the README).
INTERNAL_V1_PREFIX = f"{INTERNAL_PREFIX}/v1"
BEARER_OR_GUEST = [{"bearerAuth": []}, {GUEST_SECURITY_SCHEME: []}]

LINE_LINKS = {
    "SetLineQuantity": ("/cart/items/{product_id}", "put", "product_id"),
    "RemoveLine": ("/cart/items/{product_id}", "delete", "product_id"),
}

F = TypeVar("F", bound=Callable[..., Any])

cart = ShopBlueprint("cart", __name__, description="The caller's own cart")
internal = ShopBlueprint(
    "internal", __name__, url_prefix=INTERNAL_V1_PREFIX, description="For other ShopSmart services only"
)


def _repository() -> CartRepository:
    return current_app.extensions[REPOSITORY_EXTENSION]


def _products() -> ProductCatalogue:
    return ProductCatalogue(current_app.extensions[PRODUCTS_CLIENT_EXTENSION])


def _signed_in_owner() -> str:
    """The signed-in user's cart owner key: their id, which must not look like a guest's."""
    user_id = current_user().subject
    if not is_user_id(user_id):
        raise Unauthorized("This token's subject cannot own a cart.")
    return user_id


def _shopper() -> str:
    """The caller's cart owner key: the user's id when a bearer token is sent, else the guest's."""
    if "cart_owner" not in g:
        token = presented_guest_token()
        if token is None or request.headers.get("Authorization"):
            g.cart_owner = _signed_in_owner()
        else:
            g.cart_owner = _open_guest_cart(token)
    return g.cart_owner


def _open_guest_cart(token: str) -> str:
    """The owner key of the guest `token` proves, while the guest's cart has not been merged."""
    guest = guest_owner(verify_guest_token(token))
    if _repository().was_merged(guest):
        raise Unauthorized("This guest cart was moved into a signed-in shopper's cart.")
    return guest


def shopper_required(view: F) -> F:
    """The view needs a signed-in user or a guest with a valid guest token."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _shopper()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@cart.route("/cart/guest")
class GuestIdentity(MethodView):
    @cart.response(201, GuestTokenSchema)
    @cart.doc(security=[])
    def post(self) -> tuple[dict[str, str], dict[str, str]]:
        """A new guest identity: send its token as `X-Guest-Token` to keep a cart without signing in.

        The token expires after a week. Guest lines expire a day after their last change; after
        signing in, `POST /cart/merge` moves them into the user's cart. Guests cannot check out.
        """
        tokens = guest_tokens()
        if tokens is None:
            raise ServiceUnavailable("Guest carts are not available: no guest token secret is configured.")
        # The token is this shopper's alone: no cache may keep it.
        return {"guest_token": tokens.issue().token}, {"Cache-Control": "no-store"}


@cart.route("/cart/merge")
class GuestCartMerge(MethodView):
    @user_required
    @cart.arguments(GuestMergeSchema)
    @cart.response(200, MergeResultSchema)
    @problem_responses(cart, 409)
    @cart.doc(security=BEARER)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Move a guest's cart into the signed-in user's: quantities added (at most 99 a line), the
        guest lines removed. Lines that do not fit the 50-line limit stay in the guest's cart and
        are listed in `not_moved`. Safe to repeat and to send concurrently: nothing is added twice.
        Once every line has moved, the guest token opens no cart (401), and a repeated merge moves
        nothing.
        """
        user_id = _signed_in_owner()
        guest = guest_owner(verify_guest_token(body["guest_token"]))
        outcome = merge_guest_cart(_repository(), guest, user_id)
        view = view_cart(_repository(), _products(), user_id)
        return {
            "items": view.items,
            "subtotal": view.subtotal,
            "version": view.version,
            "moved": outcome.moved,
            "not_moved": outcome.not_moved,
        }


@cart.route("/cart")
class Cart(MethodView):
    @shopper_required
    @cart.response(200, CartViewSchema)
    @cart.doc(security=BEARER_OR_GUEST)
    def get(self) -> CartView:
        """The caller's lines with each product's current name, price and stock, and the subtotal;
        `price_changed` marks a line whose price differs from `added_price`. `version` stands for
        the lines and prices shown: `POST /orders` sends it back, and the checkout is refused (409)
        if anything in it changed."""
        return view_cart(_repository(), _products(), _shopper())

    @shopper_required
    @cart.response(204)
    @problem_responses(cart, 409)
    @cart.doc(security=BEARER_OR_GUEST)
    def delete(self) -> None:
        """Empty the caller's cart."""
        empty_cart(_repository(), _shopper())


@cart.route("/cart/items")
class CartItems(MethodView):
    @shopper_required
    @cart.arguments(LineAddSchema)
    @cart.response(200, CartLineSchema)
    @problem_responses(cart, 404, 409)
    @cart.doc(security=BEARER_OR_GUEST, **response_links(200, LINE_LINKS))
    def post(self, body: dict[str, Any]) -> CartLine:
        """Add a quantity of a product, to its line if the cart has one (at most 99 a line)."""
        return add_to_cart(_repository(), _products(), _shopper(), body["product_id"], body["quantity"])


@cart.route("/cart/items/<id:product_id>")
class CartItem(MethodView):
    @shopper_required
    @cart.arguments(LineQuantitySchema)
    @cart.response(200, CartLineSchema)
    @problem_responses(cart, 404, 409)
    @cart.doc(security=BEARER_OR_GUEST)
    def put(self, body: dict[str, Any], product_id: str) -> CartLine:
        """Set the quantity of a product's line, creating the line if needed."""
        return set_quantity(_repository(), _products(), _shopper(), product_id, body["quantity"])

    @shopper_required
    @cart.response(204)
    @problem_responses(cart, 404, 409)
    @cart.doc(security=BEARER_OR_GUEST)
    def delete(self, product_id: str) -> None:
        """Remove a product's line."""
        remove_line(_repository(), _shopper(), product_id)


@internal.route("/carts/<id:user_id>")
class InternalCart(MethodView):
    @service_required
    @internal.response(200, CheckoutReadSchema)
    @problem_responses(internal, 404)
    @internal.doc(security=BEARER)
    def get(self, user_id: str) -> CheckoutRead:
        """A user's lines for checkout (consistent read), with the moment they were read."""
        return read_for_checkout(_repository(), _checkout_user(user_id))


@internal.route("/carts/<id:user_id>/checkout-claims")
class CheckoutClaims(MethodView):
    @service_required
    @internal.arguments(CheckoutClaimSchema)
    @internal.response(200, CheckoutReadSchema)
    @problem_responses(internal, 404, 409)
    @internal.doc(security=BEARER)
    def post(self, body: dict[str, Any], user_id: str) -> CheckoutRead:
        """Hold the user's cart for one order's checkout and read its lines (409 naming the order
        that holds it already). An empty cart is not held. Safe to repeat for the same order."""
        return claim_for_checkout(
            _repository(),
            _checkout_user(user_id),
            body["order_id"],
            body["cart_version"],
            body.get("replacing"),
        )


@internal.route("/carts/<id:user_id>/checkout-claims/<id:order_id>")
class CheckoutClaim(MethodView):
    @service_required
    @internal.response(204)
    @problem_responses(internal, 404)
    @internal.doc(security=BEARER)
    def delete(self, user_id: str, order_id: str) -> None:
        """End the order's hold on the cart (nothing happens if it does not hold it)."""
        release_checkout_claim(_repository(), _checkout_user(user_id), order_id)


@internal.route("/carts/<id:user_id>/checkout-removals")
class CheckoutRemovalsView(MethodView):
    @service_required
    @internal.arguments(CheckoutRemovalsArgsSchema)
    @internal.response(200, CheckoutRemovalsSchema)
    @problem_responses(internal, 404, 409)
    @internal.doc(security=BEARER)
    def post(self, body: dict[str, Any], user_id: str) -> CheckoutRemovals:
        """Remove exactly what an order bought; lines added after `read_at` stay. Safe to repeat."""
        items = [BoughtItem(item["product_id"], item["quantity"]) for item in body["items"]]
        return remove_bought(_repository(), _checkout_user(user_id), body["order_id"], body["read_at"], items)


def _checkout_user(user_id: str) -> str:
    """Only a signed-in user's cart is checked out; a guest's is never reachable from here."""
    if not is_user_id(user_id):
        raise NotFound(f"No user {user_id} has a cart to check out.")
    return user_id
