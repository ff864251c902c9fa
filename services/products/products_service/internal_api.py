"""Internal routes: stock reservations for the orders service, behind the service credential.

Never routed by the gateway or the load balancer; every view also refuses any caller but a
ShopSmart service, so a user token gets 403 here even if a route is exposed by mistake.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from products_service.api import REPOSITORY_EXTENSION
from products_service.internal_schemas import (
    HeldReservationsArgsSchema,
    HeldReservationsSchema,
    ReservationRequestSchema,
    ReservationSchema,
    StockProblemSchema,
)
from products_service.reservation_model import Reservation
from products_service.reservation_repository import ReservationRepository
from products_service.reservations import (
    commit,
    held_too_long,
    release,
    reservation_of,
    reserve,
    return_stock,
)
from products_service.stock_shards import split_when_hot
from service_kit.api_docs import problem_responses
from service_kit.arguments import ShopBlueprint
from service_kit.auth import service_required
from service_kit.identifiers import ID_RULE, is_valid_id
from service_kit.problems import PROBLEM_CONTENT_TYPE, ValidationFailed
from service_kit.routes import INTERNAL_PREFIX

RESERVATIONS_EXTENSION = "products.reservations"
HOT_WATCH_EXTENSION = "products.hot_watch"
SERVICE_ONLY = [{"bearerAuth": []}]
# The version is part of the path: a breaking change is served as v2 beside v1 (see the README).
INTERNAL_V1_PREFIX = f"{INTERNAL_PREFIX}/v1"

internal = ShopBlueprint(
    "internal", __name__, url_prefix=INTERNAL_V1_PREFIX, description="Stock reservations (services only)"
)


def _repository() -> ReservationRepository:
    return current_app.extensions[RESERVATIONS_EXTENSION]


def _checked(order_id: str) -> str:
    if not is_valid_id(order_id):
        raise ValidationFailed("Malformed order id.", errors={"path": {"order_id": [ID_RULE]}})
    return order_id


@internal.route("/reservations")
class Reservations(MethodView):
    @service_required
    @internal.arguments(ReservationRequestSchema)
    @internal.response(201, ReservationSchema)
    @internal.alt_response(200, schema=ReservationSchema, success=True, description="An identical replay")
    @internal.alt_response(
        409,
        schema=StockProblemSchema,
        content_type=PROBLEM_CONTENT_TYPE,
        description="Short of stock (each short line named), a price other than the expected one "
        "(each changed line named), or the order reserved other items",
    )
    @internal.doc(security=SERVICE_ONLY)
    def post(self, body: dict[str, Any]) -> Any:
        """Reserve every line or none, at the catalogue's prices (201; an identical replay 200)."""
        quantities = {line["product_id"]: line["quantity"] for line in body["items"]}
        expected = {
            line["product_id"]: line["expected_price"] for line in body["items"] if "expected_price" in line
        }
        reservation, created = reserve(_repository(), body["order_id"], quantities, expected_prices=expected)
        if not created:
            return reservation, 200
        watch = current_app.extensions[HOT_WATCH_EXTENSION]
        if watch is not None:
            products = current_app.extensions[REPOSITORY_EXTENSION]
            split_when_hot(watch, products, quantities, current_app.config["HOT_PRODUCT_SHARDS"])
        return reservation

    @service_required
    @internal.arguments(HeldReservationsArgsSchema, location="query")
    @internal.response(200, HeldReservationsSchema)
    @internal.doc(security=SERVICE_ONLY)
    def get(self, args: dict[str, Any]) -> dict[str, list[str]]:
        """Orders whose reservation has been RESERVED longer than `held_for_seconds`, oldest first."""
        return {"order_ids": held_too_long(_repository(), args["held_for_seconds"], args["limit"])}


@internal.route("/reservations/<order_id>")
class ReservationById(MethodView):
    @service_required
    @internal.response(200, ReservationSchema)
    @problem_responses(internal, 404, 422)
    @internal.doc(security=SERVICE_ONLY)
    def get(self, order_id: str) -> Reservation:
        """The order's reservation, whatever its status."""
        return reservation_of(_repository(), _checked(order_id))


@internal.route("/reservations/<order_id>/release")
class ReservationRelease(MethodView):
    @service_required
    @internal.response(200, ReservationSchema)
    @problem_responses(internal, 409, 422)
    @internal.doc(security=SERVICE_ONLY)
    def post(self, order_id: str) -> Reservation:
        """RESERVED → RELEASED with the stock given back; with no reservation, forbid a later one."""
        return release(_repository(), _checked(order_id))


@internal.route("/reservations/<order_id>/commit")
class ReservationCommit(MethodView):
    @service_required
    @internal.response(200, ReservationSchema)
    @problem_responses(internal, 404, 409, 422)
    @internal.doc(security=SERVICE_ONLY)
    def post(self, order_id: str) -> Reservation:
        """RESERVED → COMMITTED: the stock is sold and stays taken."""
        return commit(_repository(), _checked(order_id))


@internal.route("/reservations/<order_id>/return")
class ReservationReturn(MethodView):
    @service_required
    @internal.response(200, ReservationSchema)
    @problem_responses(internal, 404, 409, 422)
    @internal.doc(security=SERVICE_ONLY)
    def post(self, order_id: str) -> Reservation:
        """RESERVED or COMMITTED → RETURNED with the stock given back once (after a cancel)."""
        return return_stock(_repository(), _checked(order_id))
