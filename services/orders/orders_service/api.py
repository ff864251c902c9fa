"""Routes of the orders API: thin views over the checkout saga and the order repository."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request
from flask.views import MethodView

from dynamo_common import CursorCodec
from orders_service.checkout import Checkout
from orders_service.orders import Order
from orders_service.repository import OrderRepository
from orders_service.schemas import (
    CheckoutHeadersSchema,
    CheckoutProblemSchema,
    CheckoutSchema,
    OrderListArgsSchema,
    OrderPageSchema,
    OrderSchema,
)
from service_kit.api_docs import problem_responses, response_links
from service_kit.arguments import ShopBlueprint
from service_kit.auth import current_user, user_required
from service_kit.guests import presented_guest_token
from service_kit.problems import PROBLEM_CONTENT_TYPE, Unauthorized

CHECKOUT_EXTENSION = "orders.checkout"
REPOSITORY_EXTENSION = "orders.repository"
CURSOR_EXTENSION = "orders.cursors"
SIGNED_IN = [{"bearerAuth": []}]
ORDER_LINKS = {
    "GetOrder": ("/orders/{order_id}", "get", "order_id"),
    "CancelOrder": ("/orders/{order_id}/cancel", "post", "order_id"),
}
GUEST_CHECKOUT_REFUSED = "Sign in to check out; your cart is kept."

F = TypeVar("F", bound=Callable[..., Any])

orders = ShopBlueprint("orders", __name__, description="The caller's orders")


def _checkout() -> Checkout:
    return current_app.extensions[CHECKOUT_EXTENSION]


def guests_sign_in_first(view: F) -> F:
    """A guest (a guest token and no bearer token) is asked to sign in, keeping the cart."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if presented_guest_token() is not None and not request.headers.get("Authorization"):
            raise Unauthorized(GUEST_CHECKOUT_REFUSED)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def order_view(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "status": str(order.status),
        "items": [
            {
                "product_id": line.product_id,
                "name": line.name,
                "unit_price": line.unit_price,
                "quantity": line.quantity,
                "line_total": line.line_total,
            }
            for line in order.lines
        ],
        "total_price": order.total_price,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


@orders.route("/orders")
class Orders(MethodView):
    @user_required
    @orders.arguments(OrderListArgsSchema, location="query")
    @orders.response(200, OrderPageSchema)
    @problem_responses(orders, 400)
    @orders.doc(security=SIGNED_IN)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The caller's orders, newest first."""
        user_id = current_user().subject
        cursors: CursorCodec = current_app.extensions[CURSOR_EXTENSION]
        scope = f"orders:{user_id}"
        repository: OrderRepository = current_app.extensions[REPOSITORY_EXTENSION]
        page, last_key = repository.orders_of(
            user_id, args["limit"], cursors.decode(args.get("cursor"), scope)
        )
        return {
            "items": [order_view(order) for order in page],
            "next_cursor": cursors.encode(last_key, scope),
        }

    @guests_sign_in_first
    @user_required
    @orders.arguments(CheckoutHeadersSchema, location="headers", error_status_code=400)
    @orders.arguments(CheckoutSchema)
    @orders.response(201, OrderSchema)
    @orders.alt_response(200, schema=OrderSchema, description="A replay of a key already used")
    @orders.alt_response(
        409,
        schema=CheckoutProblemSchema,
        content_type=PROBLEM_CONTENT_TYPE,
        description="Short of stock (each short line named); the cart or a price changed since "
        "the confirmed `cart_version` (each changed line named, with old and new price); another "
        "checkout of this cart in progress or done (`holding_order_id`); the key reused or still "
        "in use",
    )
    @problem_responses(orders, 422)
    @orders.doc(security=SIGNED_IN, **response_links(201, ORDER_LINKS))
    def post(self, headers: dict[str, Any], body: dict[str, Any]) -> Any:
        """Check out the caller's cart as confirmed by `cart_version`; prices and totals come from
        the products service. A cart is bought at most once, whatever the keys."""
        order, created = _checkout().place(
            current_user().subject, headers["idempotency_key"], body["cart_version"]
        )
        return order_view(order), 201 if created else 200


@orders.route("/orders/<id:order_id>")
class OrderById(MethodView):
    @user_required
    @orders.response(200, OrderSchema)
    @problem_responses(orders, 404)
    @orders.doc(security=SIGNED_IN)
    def get(self, order_id: str) -> dict[str, Any]:
        """One of the caller's orders."""
        return order_view(_checkout().order_of(current_user().subject, order_id))


@orders.route("/orders/<id:order_id>/cancel")
class OrderCancellation(MethodView):
    @user_required
    @orders.response(200, OrderSchema)
    @problem_responses(orders, 404, 409)
    @orders.doc(security=SIGNED_IN)
    def post(self, order_id: str) -> dict[str, Any]:
        """Cancel a CONFIRMED order; its stock is given back exactly once."""
        return order_view(_checkout().cancel(current_user().subject, order_id))
