"""The cart and products services as the checkout sees them: domain calls over the shared client.

Answers are read as a tolerant reader: fields this service does not use are ignored, and a missing
or odd field it does use is a logged 503 (`UnreadableAnswer`), never a KeyError. What is relied on
is written down in `contracts/` and verified by the providers' own tests.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from orders_service.orders import CartLine, OrderLine
from service_kit.http import ServiceClient, UnreadableAnswer, reading_answer_of
from service_kit.problems import ServiceUnavailable

# A reserve answered with one of these refused what was asked (the stock, the prices, the request
# itself): nothing was reserved by it, so the checkout ends FAILED at once, whatever the body says.
RESERVE_REFUSALS = frozenset({400, 409, 422})
DEFAULT_REFUSAL = "The stock could not be reserved."


@dataclass(frozen=True)
class CartSnapshot:
    lines: list[CartLine]
    read_at: str


@dataclass(frozen=True)
class Reservation:
    status: str
    lines: tuple[OrderLine, ...]


class CartClaimed(Exception):
    """Another order's checkout holds the cart; `holder` is that order's id."""

    def __init__(self, holder: str):
        super().__init__(f"the cart is held by order {holder}")
        self.holder = holder


class ReservationRefused(Exception):
    """Products refused the reservation; `problem` is what the checkout reads of its problem+json
    body, `status` its status (409: the stock or prices; 400 or 422: the request itself)."""

    def __init__(self, problem: dict[str, Any], status: int = 409):
        super().__init__(problem.get("detail", "reservation refused"))
        self.problem = problem
        self.status = status


def _unexpected(service: str, status: int, body: Any) -> ServiceUnavailable:
    return ServiceUnavailable(f"The {service} service answered {status} unexpectedly: {body}")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {value!r}")
    return value


def _money(value: Any) -> Decimal:
    amount = Decimal(_text(value))
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"expected an amount, got {value!r}")
    return amount


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {value!r}")
    return value


class CartGateway:
    """The cart service's internal API."""

    def __init__(self, client: ServiceClient):
        self._client = client

    def read(self, user_id: str) -> CartSnapshot:
        reply = self._client.call("GET", f"/internal/v1/carts/{quote(user_id, safe='')}", internal=True)
        if reply.status != 200:
            raise _unexpected("cart", reply.status, reply.body)
        return self._snapshot(reply.body)

    def claim(self, user_id: str, order_id: str, version: str, replacing: str | None = None) -> CartSnapshot:
        """Hold the cart for this order's checkout of cart `version` and read its lines;
        CartClaimed when another order holds it.

        `replacing` is a holder known to be failed or gone, whose hold may be taken over.
        """
        body = {
            "order_id": order_id,
            "cart_version": version,
            **({"replacing": replacing} if replacing else {}),
        }
        reply = self._client.call(
            "POST",
            f"/internal/v1/carts/{quote(user_id, safe='')}/checkout-claims",
            json=body,
            internal=True,
            keyed=True,
        )
        if reply.status == 409 and isinstance(reply.body, dict) and reply.body.get("holding_order_id"):
            with reading_answer_of("cart", "cart hold"):
                holder = _text(reply.body["holding_order_id"])
            raise CartClaimed(holder)
        if reply.status != 200:
            raise _unexpected("cart", reply.status, reply.body)
        return self._snapshot(reply.body)

    def release_claim(self, user_id: str, order_id: str) -> None:
        path = f"/internal/v1/carts/{quote(user_id, safe='')}/checkout-claims/{quote(order_id, safe='')}"
        reply = self._client.call("DELETE", path, internal=True)
        if reply.status != 204:
            raise _unexpected("cart", reply.status, reply.body)

    @staticmethod
    def _snapshot(body: Any) -> CartSnapshot:
        with reading_answer_of("cart", "cart"):
            lines = [
                CartLine(_text(item["product_id"]), _count(item["quantity"])) for item in _list(body["items"])
            ]
            return CartSnapshot(lines=lines, read_at=_text(body["read_at"]))

    def remove_bought(self, user_id: str, order_id: str, read_at: str, lines: list[CartLine]) -> None:
        reply = self._client.call(
            "POST",
            f"/internal/v1/carts/{quote(user_id, safe='')}/checkout-removals",
            json={
                "order_id": order_id,
                "read_at": read_at,
                "items": [{"product_id": line.product_id, "quantity": line.quantity} for line in lines],
            },
            internal=True,
            keyed=True,
        )
        if reply.status != 200:
            raise _unexpected("cart", reply.status, reply.body)


class StockGateway:
    """The products service's reservations: reserve, release, commit and return, keyed by order."""

    def __init__(self, client: ServiceClient):
        self._client = client

    def reserve(
        self, order_id: str, lines: list[CartLine], expected_prices: Mapping[str, Decimal] | None = None
    ) -> Reservation:
        """Reserve the lines; with `expected_prices`, products refuses (409) any other price."""
        expected = expected_prices or {}
        items = []
        for line in lines:
            item: dict[str, Any] = {"product_id": line.product_id, "quantity": line.quantity}
            if line.product_id in expected:
                item["expected_price"] = str(expected[line.product_id])
            items.append(item)
        body = {"order_id": order_id, "items": items}
        reply = self._client.call("POST", "/internal/v1/reservations", json=body, internal=True, keyed=True)
        if reply.status in (200, 201):
            return self._reservation(reply.body)
        if reply.status in RESERVE_REFUSALS:
            raise ReservationRefused(self._refusal(reply.body), reply.status)
        raise _unexpected("products", reply.status, reply.body)

    def find(self, order_id: str) -> Reservation | None:
        reply = self._client.call("GET", f"/internal/v1/reservations/{order_id}", internal=True)
        if reply.status == 404:
            return None
        if reply.status != 200:
            raise _unexpected("products", reply.status, reply.body)
        return self._reservation(reply.body)

    def held_too_long(self, held_for_seconds: int, limit: int = 100) -> list[str]:
        """Order ids whose stock has been RESERVED for more than `held_for_seconds`, oldest first."""
        reply = self._client.call(
            "GET",
            "/internal/v1/reservations",
            params={"held_for_seconds": held_for_seconds, "limit": limit},
            internal=True,
        )
        if reply.status != 200:
            raise _unexpected("products", reply.status, reply.body)
        with reading_answer_of("products", "held reservations"):
            return [_text(order_id) for order_id in _list(reply.body["order_ids"])]

    def release(self, order_id: str) -> str:
        return self._transition(order_id, "release")

    def commit(self, order_id: str) -> str:
        return self._transition(order_id, "commit")

    def give_back(self, order_id: str) -> str:
        return self._transition(order_id, "return")

    def _transition(self, order_id: str, action: str) -> str:
        """The reservation's status after `action`; a refused transition raises ReservationRefused."""
        reply = self._client.call(
            "POST", f"/internal/v1/reservations/{order_id}/{action}", internal=True, keyed=True
        )
        if reply.status == 200:
            with reading_answer_of("products", "reservation"):
                return _text(reply.body["status"])
        if reply.status in (404, 409):
            raise ReservationRefused(self._refusal(reply.body) if reply.body else {"status": reply.status})
        raise _unexpected("products", reply.status, reply.body)

    @staticmethod
    def _reservation(body: Any) -> Reservation:
        with reading_answer_of("products", "reservation"):
            lines = tuple(
                OrderLine(
                    product_id=_text(item["product_id"]),
                    name=_text(item["name"]),
                    unit_price=_money(item["unit_price"]),
                    quantity=_count(item["quantity"]),
                )
                for item in _list(body["items"])
            )
            return Reservation(status=_text(body["status"]), lines=lines)

    @staticmethod
    def _refusal(problem: Any) -> dict[str, Any]:
        """The refusal's problem with only what the checkout reads: its detail, the short lines and
        the lines whose price changed. A refusal stays a refusal however its body reads: a part
        that cannot be read is left out (and logged), never turned into a 503 that would leave the
        order PENDING (a forged seen price once came back as an `old_price` of -1.00)."""
        body = problem if isinstance(problem, dict) else {}
        detail = body.get("detail")
        refusal: dict[str, Any] = {
            "detail": detail if detail and isinstance(detail, str) else DEFAULT_REFUSAL
        }
        for part, read_line in (("short_items", _short_line), ("changed_items", _changed_line)):
            if not body.get(part):
                continue
            # reading_answer_of logs an unreadable part; the refusal is then read without it.
            with contextlib.suppress(UnreadableAnswer), reading_answer_of("products", f"refusal's {part}"):
                refusal[part] = [read_line(line) for line in _list(body[part])]
        return refusal


def _short_line(line: Any) -> dict[str, Any]:
    return {
        "product_id": _text(line["product_id"]),
        "requested": _count(line["requested"]),
        "available": _count(line["available"]),
    }


def _changed_line(line: Any) -> dict[str, Any]:
    return {
        "product_id": _text(line["product_id"]),
        "old_price": str(_money(line["old_price"])),
        "new_price": str(_money(line["new_price"])),
    }
