"""Reservations in the products table, written in the same transactions as the stock they hold.

A reservation is the item `#reservation#<order_id>`. It has no `Price` and no `Category`, so the
catalogue's listings (which keep only items with a price) and `CategoryIndex` never show it.
Every write is conditional; when DynamoDB cancels one, the old images it returns
(`ReturnValuesOnConditionCheckFailure="ALL_OLD"`) say what happened, and this module turns them
into the outcomes the rules in `reservations` act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from dynamo_common import (
    ConditionFailed,
    TransactionCancelled,
    batch_get,
    expression_values,
    from_item,
    read_page,
    to_item,
    transact,
    translated_errors,
)
from dynamo_common.transactions import CONDITION_FAILED
from products_service import table as attr
from products_service.catalogue import utc_now
from products_service.reservations import (
    OutOfStock,
    PricesMoved,
    ProductsGone,
    Reservation,
    ReservationStatus,
    ReservationTaken,
    ReservedLine,
    ShortLine,
    StatusMoved,
    StockedProduct,
    WriteContended,
)

RESERVATION_PREFIX = "#reservation#"
HELD_SHARD_VALUE = "held"
CENSUS_PAGE_SIZE = 1000
RETRYABLE_CANCELLATIONS = frozenset({"TransactionConflict", "ThrottlingError"})

_STOCK_NAMES = {
    "#count": attr.INVENTORY_COUNT,
    "#version": attr.VERSION,
    "#updated": attr.UPDATED_AT,
    "#price": attr.PRICE,
}


def reservation_key(order_id: str) -> dict[str, Any]:
    return {attr.PRODUCT_ID: {"S": RESERVATION_PREFIX + order_id}}


def _product_key(product_id: str) -> dict[str, Any]:
    return {attr.PRODUCT_ID: {"S": product_id}}


def reservation_to_item(reservation: Reservation) -> dict[str, Any]:
    held = (
        {attr.HELD_SHARD: HELD_SHARD_VALUE, attr.HELD_SINCE: reservation.created_at}
        if reservation.status is ReservationStatus.RESERVED
        else {}
    )
    return to_item(
        {
            **held,
            attr.PRODUCT_ID: RESERVATION_PREFIX + reservation.order_id,
            attr.STATUS: reservation.status.value,
            attr.RESERVATION_ITEMS: [
                {
                    attr.PRODUCT_ID: line.product_id,
                    attr.NAME: line.name,
                    attr.UNIT_PRICE: line.unit_price,
                    attr.QUANTITY: line.quantity,
                }
                for line in reservation.lines
            ],
            attr.CREATED_AT: reservation.created_at,
            attr.UPDATED_AT: reservation.updated_at,
        }
    )


def reservation_from_item(item: Mapping[str, Any]) -> Reservation:
    values = from_item(item)
    lines = tuple(
        ReservedLine(
            product_id=line[attr.PRODUCT_ID],
            name=line[attr.NAME],
            unit_price=line[attr.UNIT_PRICE],
            quantity=int(line[attr.QUANTITY]),
        )
        for line in values.get(attr.RESERVATION_ITEMS, [])
    )
    return Reservation(
        order_id=values[attr.PRODUCT_ID].removeprefix(RESERVATION_PREFIX),
        status=ReservationStatus(values[attr.STATUS]),
        lines=lines,
        created_at=values.get(attr.CREATED_AT, ""),
        updated_at=values.get(attr.UPDATED_AT, ""),
    )


def _reservation_or_none(item: Mapping[str, Any] | None) -> Reservation | None:
    return reservation_from_item(item) if item and attr.STATUS in item else None


def _available(old_image: Mapping[str, Any] | None) -> int:
    """The stock an old image shows; an item that is not a product holds none."""
    if not old_image or attr.PRICE not in old_image:
        return 0
    return int(old_image[attr.INVENTORY_COUNT]["N"])


def _code(reason: Mapping[str, Any]) -> str:
    return reason.get("Code") or "None"


class ReservationRepository:
    """Reservations and the stock they take and give back, in the products table."""

    def __init__(self, client: Any, table_name: str):
        self._client = client
        self.table_name = table_name

    def find(self, order_id: str) -> Reservation | None:
        """The order's reservation, read consistently (None when it has none)."""
        with translated_errors():
            response = self._client.get_item(
                TableName=self.table_name, Key=reservation_key(order_id), ConsistentRead=True
            )
        return _reservation_or_none(response.get("Item"))

    def products(self, product_ids: list[str]) -> dict[str, StockedProduct]:
        """Name, price and stock of these products in one BatchGetItem; unknown ids are left out."""
        items = batch_get(
            self._client,
            self.table_name,
            [_product_key(pid) for pid in product_ids],
            projection="#id, #name, #price, #count",
            expression_names={
                "#id": attr.PRODUCT_ID,
                "#name": attr.NAME,
                "#price": attr.PRICE,
                "#count": attr.INVENTORY_COUNT,
            },
        )
        found = {}
        for item in items:
            values = from_item(item)
            if attr.PRICE in values:
                found[values[attr.PRODUCT_ID]] = StockedProduct(
                    product_id=values[attr.PRODUCT_ID],
                    name=values[attr.NAME],
                    price=values[attr.PRICE],
                    inventory_count=int(values[attr.INVENTORY_COUNT]),
                )
        return found

    def reserve(self, reservation: Reservation, absent: Mapping[str, int]) -> None:
        """Take each line's stock at the price read, and record the reservation, in one transaction.

        `absent` are requested products the read did not find (id → quantity): each gets a check
        that always fails, so nothing is taken while the other lines' stock is still reported.
        Raises OutOfStock naming every short line, ReservationTaken, PricesMoved or WriteContended.
        """
        requested = [(line.product_id, line.quantity) for line in reservation.lines]
        requested += list(absent.items())
        actions = [self._take(line, reservation.updated_at) for line in reservation.lines]
        actions += [self._never_there(product_id) for product_id in absent]
        actions.append(self._put_new(reservation))
        try:
            transact(self._client, actions)
        except TransactionCancelled as exc:
            reasons = exc.reasons
            put_reason = reasons[len(requested)] if len(reasons) > len(requested) else {}
            if _code(put_reason) == CONDITION_FAILED:
                raise ReservationTaken(_reservation_or_none(put_reason.get("Item"))) from exc
            short: list[ShortLine] = []
            moved = False
            for (product_id, quantity), reason in zip(requested, reasons, strict=False):
                if _code(reason) != CONDITION_FAILED:
                    continue
                available = _available(reason.get("Item"))
                if available < quantity:
                    short.append(ShortLine(product_id, quantity, available))
                else:
                    moved = True
            if short:
                raise OutOfStock(short) from exc
            if RETRYABLE_CANCELLATIONS.intersection(exc.codes):
                raise WriteContended(str(exc)) from exc
            if moved:
                raise PricesMoved(str(exc)) from exc
            raise

    def add_tombstone(self, tombstone: Reservation) -> None:
        """Record a reservation (a release tombstone) unless the order already has one."""
        try:
            with translated_errors():
                self._client.put_item(**self._put_new(tombstone)["Put"])
        except ConditionFailed as exc:
            raise ReservationTaken(_reservation_or_none(exc.item)) from exc

    def commit_reserved(self, order_id: str) -> Reservation:
        """RESERVED → COMMITTED in one conditional write, with no read first; the stock stays taken.

        Raises StatusMoved with the reservation as it is (None when the order has none).
        """
        change = self._status_change(
            order_id, ReservationStatus.RESERVED, ReservationStatus.COMMITTED, utc_now()
        )
        try:
            with translated_errors():
                response = self._client.update_item(**change, ReturnValues="ALL_NEW")
        except ConditionFailed as exc:
            raise StatusMoved(_reservation_or_none(exc.item)) from exc
        return reservation_from_item(response["Attributes"])

    def change_status(
        self, current: Reservation, target: ReservationStatus, give_back: bool, skip: frozenset[str]
    ) -> Reservation:
        """Move `current` to `target` if it is still in its status, giving its stock back if asked.

        Lines of products in `skip` (deleted from the catalogue) get nothing back. Raises
        StatusMoved, ProductsGone or WriteContended.
        """
        now = utc_now()
        status_change = self._status_change(current.order_id, current.status, target, now)
        lines = [line for line in current.lines if line.product_id not in skip] if give_back else []
        if not lines:
            try:
                with translated_errors():
                    self._client.update_item(**status_change)
            except ConditionFailed as exc:
                raise StatusMoved(_reservation_or_none(exc.item)) from exc
            return replace(current, status=target, updated_at=now)
        actions = [{"Update": status_change}] + [self._give_back(line, now) for line in lines]
        try:
            transact(self._client, actions)
        except TransactionCancelled as exc:
            status_reason, *line_reasons = exc.reasons or [{}]
            if _code(status_reason) == CONDITION_FAILED:
                raise StatusMoved(_reservation_or_none(status_reason.get("Item"))) from exc
            gone = frozenset(
                line.product_id
                for line, reason in zip(lines, line_reasons, strict=False)
                if _code(reason) == CONDITION_FAILED
            )
            if gone:
                raise ProductsGone(gone) from exc
            if RETRYABLE_CANCELLATIONS.intersection(exc.codes):
                raise WriteContended(str(exc)) from exc
            raise
        return replace(current, status=target, updated_at=now)

    def held_since_before(self, moment: str, limit: int) -> list[str]:
        """Order ids of reservations RESERVED since before `moment`, oldest first (sparse index)."""
        request = {
            "TableName": self.table_name,
            "IndexName": attr.HELD_RESERVATIONS_INDEX,
            "KeyConditionExpression": "#held = :held AND #since < :moment",
            "ExpressionAttributeNames": {
                "#held": attr.HELD_SHARD,
                "#since": attr.HELD_SINCE,
                "#id": attr.PRODUCT_ID,
            },
            "ExpressionAttributeValues": expression_values({":held": HELD_SHARD_VALUE, ":moment": moment}),
            "ProjectionExpression": "#id",
        }
        items, _ = read_page(self._client.query, request, limit)
        return [item[attr.PRODUCT_ID]["S"].removeprefix(RESERVATION_PREFIX) for item in items]

    def census(self) -> tuple[dict[str, int], list[Reservation]]:
        """Every product's stock and every reservation, by a consistent Scan of the whole table."""
        request = {
            "TableName": self.table_name,
            "ConsistentRead": True,
            "FilterExpression": "attribute_exists(#price) OR begins_with(#id, :prefix)",
            "ExpressionAttributeNames": {"#price": attr.PRICE, "#id": attr.PRODUCT_ID},
            "ExpressionAttributeValues": expression_values({":prefix": RESERVATION_PREFIX}),
        }
        stock: dict[str, int] = {}
        reservations: list[Reservation] = []
        start_key = None
        while True:
            items, start_key = read_page(self._client.scan, request, CENSUS_PAGE_SIZE, start_key)
            for item in items:
                if attr.PRICE in item:
                    stock[item[attr.PRODUCT_ID]["S"]] = int(item[attr.INVENTORY_COUNT]["N"])
                else:
                    reservations.append(reservation_from_item(item))
            if start_key is None:
                return stock, reservations

    def _status_change(
        self, order_id: str, current: ReservationStatus, target: ReservationStatus, now: str
    ) -> dict[str, Any]:
        return {
            "TableName": self.table_name,
            "Key": reservation_key(order_id),
            # Whatever it moves to, it no longer holds stock for an unconfirmed order.
            "UpdateExpression": "SET #status = :target, #updated = :now REMOVE #held, #since",
            "ConditionExpression": "#status = :current",
            "ExpressionAttributeNames": {
                "#status": attr.STATUS,
                "#updated": attr.UPDATED_AT,
                "#held": attr.HELD_SHARD,
                "#since": attr.HELD_SINCE,
            },
            "ExpressionAttributeValues": expression_values(
                {":target": target.value, ":now": now, ":current": current.value}
            ),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

    def _take(self, line: ReservedLine, now: str) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": _product_key(line.product_id),
                "UpdateExpression": "SET #count = #count - :quantity, #version = #version + :one, "
                "#updated = :now",
                "ConditionExpression": "#count >= :quantity AND #price = :price",
                "ExpressionAttributeNames": _STOCK_NAMES,
                "ExpressionAttributeValues": expression_values(
                    {":quantity": line.quantity, ":one": 1, ":now": now, ":price": line.unit_price}
                ),
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _give_back(self, line: ReservedLine, now: str) -> dict[str, Any]:
        # The version moves too, so an admin's edit based on the old stock is refused, not applied.
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": _product_key(line.product_id),
                "UpdateExpression": "SET #count = #count + :quantity, #version = #version + :one, "
                "#updated = :now",
                "ConditionExpression": "attribute_exists(#price)",
                "ExpressionAttributeNames": _STOCK_NAMES,
                "ExpressionAttributeValues": expression_values(
                    {":quantity": line.quantity, ":one": 1, ":now": now}
                ),
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _never_there(self, product_id: str) -> dict[str, Any]:
        # Always false: if the product has appeared since the read, its old image says so.
        return {
            "ConditionCheck": {
                "TableName": self.table_name,
                "Key": _product_key(product_id),
                "ConditionExpression": "attribute_exists(#id) AND attribute_not_exists(#id)",
                "ExpressionAttributeNames": {"#id": attr.PRODUCT_ID},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _put_new(self, reservation: Reservation) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table_name,
                "Item": reservation_to_item(reservation),
                "ConditionExpression": "attribute_not_exists(#id)",
                "ExpressionAttributeNames": {"#id": attr.PRODUCT_ID},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
