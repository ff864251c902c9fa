"""Routes of the orders API: thin views over the checkout saga and the order repository."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from dynamo_common import CursorCodec
from orders_service.checkout import Checkout
from orders_service.orders import Order
from orders_service.repository import OrderRepository
from orders_service.schemas import (
    CheckoutHeadersSchema,
    OrderListArgsSchema,
    OrderPageSchema,
    OrderSchema,
)
from service_kit.auth import current_user, user_required

CHECKOUT_EXTENSION = "orders.checkout"
REPOSITORY_EXTENSION = "orders.repository"
CURSOR_EXTENSION = "orders.cursors"
SIGNED_IN = [{"bearerAuth": []}]

orders = Blueprint("orders", __name__, description="The caller's orders")


def _checkout() -> Checkout:
    return current_app.extensions[CHECKOUT_EXTENSION]


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

    @user_required
    @orders.arguments(CheckoutHeadersSchema, location="headers", error_status_code=400)
    @orders.response(201, OrderSchema)
    @orders.alt_response(200, schema=OrderSchema, description="A replay of a key already used")
    @orders.doc(security=SIGNED_IN)
    def post(self, headers: dict[str, Any]) -> Any:
        """Check out the caller's cart; prices and totals come from the products service."""
        order, created = _checkout().place(current_user().subject, headers["idempotency_key"])
        return order_view(order), 201 if created else 200


@orders.route("/orders/<order_id>")
class OrderById(MethodView):
    @user_required
    @orders.response(200, OrderSchema)
    @orders.doc(security=SIGNED_IN)
    def get(self, order_id: str) -> dict[str, Any]:
        """One of the caller's orders."""
        return order_view(_checkout().order_of(current_user().subject, order_id))


@orders.route("/orders/<order_id>/cancel")
class OrderCancellation(MethodView):
    @user_required
    @orders.response(200, OrderSchema)
    @orders.doc(security=SIGNED_IN)
    def post(self, order_id: str) -> dict[str, Any]:
        """Cancel a CONFIRMED order; its stock is given back exactly once."""
        return order_view(_checkout().cancel(current_user().subject, order_id))
