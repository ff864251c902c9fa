"""The orders app on moto's DynamoDB, with the cart and products services replaced by fakes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto import mock_aws

from devstack.keys import LOCAL_ACCEPTED_CLIENTS, LOCAL_SERVICE_CLIENT_ID
from dynamo_common import create_tables
from orders_service import create_app
from orders_service.api import CHECKOUT_EXTENSION, REPOSITORY_EXTENSION
from orders_service.checkout import Checkout, CheckoutSettings
from orders_service.gateways import CartClaimed, CartSnapshot, Reservation, ReservationRefused
from orders_service.orders import CartLine, OrderLine
from orders_service.table import TABLE_SPEC
from service_kit.app import DYNAMODB_EXTENSION
from service_kit.cart_version import SeenLine, encode_cart_version
from service_kit.http import DependencyUnreachable

TABLE_PREFIX = "unit-"
PRICES = {"tea": Decimal("4.50"), "pot": Decimal("19.99"), "cup": Decimal("3.33")}
FAKE_CART_EXTENSION = "test.fake_cart"


@dataclass
class FakeCart:
    """The cart service: lines per user; `down` makes every call fail like a stopped service."""

    lines: dict[str, list[CartLine]] = field(default_factory=dict)
    removals: list[tuple[str, str]] = field(default_factory=list)
    claims: dict[str, tuple[str, str, bool]] = field(default_factory=dict)  # order, version, finished
    down: bool = False

    def version(self, user_id: str, prices: dict[str, Decimal] = PRICES, added_at: str = "") -> str:
        """The version the cart view would show now, at these prices; `added_at` stands for when
        the lines were added (a cart filled again has a new version)."""
        return encode_cart_version(
            SeenLine(line.product_id, line.quantity, prices[line.product_id], added_at)
            for line in self.lines.get(user_id, [])
        )

    def read(self, user_id: str) -> CartSnapshot:
        if self.down:
            raise DependencyUnreachable("cart down")
        return CartSnapshot(list(self.lines.get(user_id, [])), "2026-01-01T00:00:00.000Z")

    def claim(self, user_id: str, order_id: str, version: str, replacing: str | None = None) -> CartSnapshot:
        if self.down:
            raise DependencyUnreachable("cart down")
        if user_id in self.claims:
            holder, held_version, finished = self.claims[user_id]
            if holder not in (order_id, replacing) and not (finished and held_version != version):
                raise CartClaimed(holder)
        snapshot = self.read(user_id)
        if snapshot.lines:
            self.claims[user_id] = (order_id, version, False)
        else:
            self.claims.pop(user_id, None)
        return snapshot

    def holder(self, user_id: str) -> str | None:
        return self.claims[user_id][0] if user_id in self.claims else None

    def release_claim(self, user_id: str, order_id: str) -> None:
        if self.down:
            raise DependencyUnreachable("cart down")
        if self.holder(user_id) == order_id:
            del self.claims[user_id]

    def remove_bought(self, user_id: str, order_id: str, read_at: str, lines: list[CartLine]) -> None:
        if self.down:
            raise DependencyUnreachable("cart down")
        if (user_id, order_id) not in self.removals:
            self.removals.append((user_id, order_id))
            bought = {line.product_id: line.quantity for line in lines}
            self.lines[user_id] = [
                CartLine(line.product_id, line.quantity - bought.get(line.product_id, 0))
                for line in self.lines.get(user_id, [])
                if line.quantity > bought.get(line.product_id, 0)
            ]
        if self.holder(user_id) == order_id:
            self.claims[user_id] = (*self.claims[user_id][:2], True)


@dataclass
class FakeStock:
    """The products service's reservations, with stock counts and the same idempotency rules."""

    stock: dict[str, int] = field(default_factory=dict)
    reservations: dict[str, Reservation] = field(default_factory=dict)
    failure: Exception | None = None
    reserve_calls: int = 0
    prices: dict[str, Decimal] = field(default_factory=lambda: dict(PRICES))
    # How long ago each reservation was made, in seconds, as products' HeldReservationsIndex has it.
    held_for: dict[str, float] = field(default_factory=dict)

    def reserve(
        self, order_id: str, lines: list[CartLine], expected_prices: dict[str, Decimal] | None = None
    ) -> Reservation:
        self.reserve_calls += 1
        if self.failure:
            raise self.failure
        changed = [
            {"product_id": pid, "old_price": str(price), "new_price": str(self.prices[pid])}
            for pid, price in (expected_prices or {}).items()
            if self.prices[pid] != price
        ]
        if changed:
            raise ReservationRefused({"detail": "Prices changed.", "changed_items": changed})
        if order_id in self.reservations:
            existing = self.reservations[order_id]
            if existing.status == "RELEASED":
                raise ReservationRefused({"detail": "released"})
            return existing
        short = [
            {
                "product_id": line.product_id,
                "requested": line.quantity,
                "available": self.stock.get(line.product_id, 0),
            }
            for line in lines
            if self.stock.get(line.product_id, 0) < line.quantity
        ]
        if short:
            raise ReservationRefused({"detail": "Not enough stock.", "short_items": short})
        for line in lines:
            self.stock[line.product_id] -= line.quantity
        reservation = Reservation(
            "RESERVED",
            tuple(
                OrderLine(
                    line.product_id, line.product_id.title(), self.prices[line.product_id], line.quantity
                )
                for line in lines
            ),
        )
        self.reservations[order_id] = reservation
        self.held_for[order_id] = 0.0
        return reservation

    def age(self, seconds: float) -> None:
        """Let `seconds` pass for every reservation."""
        self.held_for = {order_id: held + seconds for order_id, held in self.held_for.items()}

    def find(self, order_id: str) -> Reservation | None:
        if self.failure:
            raise self.failure
        return self.reservations.get(order_id)

    def _move(self, order_id: str, status: str, give_back: bool) -> str:
        if self.failure:
            raise self.failure
        reservation = self.reservations.get(order_id, Reservation("NONE", ()))
        if give_back and reservation.status in ("RESERVED", "COMMITTED"):
            for line in reservation.lines:
                self.stock[line.product_id] += line.quantity
        if reservation.status in ("RESERVED", "COMMITTED", "NONE"):
            self.reservations[order_id] = Reservation(status, reservation.lines)
        return self.reservations[order_id].status

    def held_too_long(self, held_for_seconds: int, limit: int = 100) -> list[str]:
        """RESERVED reservations made more than `held_for_seconds` ago (see `age`)."""
        return [
            order_id
            for order_id, r in self.reservations.items()
            if r.status == "RESERVED" and self.held_for.get(order_id, 0.0) > held_for_seconds
        ][:limit]

    def release(self, order_id: str) -> str:
        return self._move(order_id, "RELEASED", give_back=True)

    def commit(self, order_id: str) -> str:
        return self._move(order_id, "COMMITTED", give_back=False)

    def give_back(self, order_id: str) -> str:
        return self._move(order_id, "RETURNED", give_back=True)


@pytest.fixture
def cart() -> FakeCart:
    return FakeCart()


@pytest.fixture
def stock() -> FakeStock:
    return FakeStock(stock={"tea": 10, "pot": 2, "cup": 0})


@pytest.fixture
def app(jwks_url: str, aws_test_environment: None, cart: FakeCart, stock: FakeStock) -> Iterator[Flask]:
    with mock_aws():
        app = create_app(
            {
                "TESTING": True,
                "TABLE_PREFIX": TABLE_PREFIX,
                "JWKS_URL": jwks_url,
                "JWT_AUDIENCE": LOCAL_ACCEPTED_CLIENTS,
                "SERVICE_CLIENT_ID": LOCAL_SERVICE_CLIENT_ID,
                "CURSOR_SECRET": "unit-test-cursor-secret",
                "EMIT_METRICS": False,
                "REPLAY_WAIT_SECONDS": 0.2,
            }
        )
        create_tables(app.extensions[DYNAMODB_EXTENSION], TABLE_PREFIX, (TABLE_SPEC,))
        app.extensions[FAKE_CART_EXTENSION] = cart
        app.extensions[CHECKOUT_EXTENSION] = Checkout(
            app.extensions[REPOSITORY_EXTENSION],
            cart,
            stock,
            CheckoutSettings(lease_seconds=30, replay_wait_seconds=0.2),
        )
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def alice(auth_headers) -> dict[str, str]:
    return auth_headers("alice")


@pytest.fixture
def bob(auth_headers) -> dict[str, str]:
    return auth_headers("bob")
