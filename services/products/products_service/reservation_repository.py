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
from products_service.repository import stock_in_items
from products_service.reservation_model import (
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


def _product_key(product_id: str, shard: int = 0) -> dict[str, Any]:
    return {attr.PRODUCT_ID: {"S": attr.stock_item_id(product_id, shard)}}


def _line_to_item(line: ReservedLine) -> dict[str, Any]:
    values = {
        attr.PRODUCT_ID: line.product_id,
        attr.NAME: line.name,
        attr.UNIT_PRICE: line.unit_price,
        attr.QUANTITY: line.quantity,
    }
    if line.shard_takes:
        values[attr.LINE_SHARDS] = {str(shard): units for shard, units in line.shard_takes}
    return values


def _line_from_item(values: Mapping[str, Any]) -> ReservedLine:
    takes = values.get(attr.LINE_SHARDS, {})
    return ReservedLine(
        product_id=values[attr.PRODUCT_ID],
        name=values[attr.NAME],
        unit_price=values[attr.UNIT_PRICE],
        quantity=int(values[attr.QUANTITY]),
        shard_takes=tuple(sorted((int(shard), int(units)) for shard, units in takes.items())),
    )


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
            attr.RESERVATION_ITEMS: [_line_to_item(line) for line in reservation.lines],
            attr.CREATED_AT: reservation.created_at,
            attr.UPDATED_AT: reservation.updated_at,
        }
    )


def reservation_from_item(item: Mapping[str, Any]) -> Reservation:
    values = from_item(item)
    lines = tuple(_line_from_item(line) for line in values.get(attr.RESERVATION_ITEMS, []))
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
    """The stock an old image shows; an item that is neither a product nor a shard of one holds none."""
    if not old_image or not (attr.PRICE in old_image or attr.SHARD_PRICE in old_image):
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
            projection="#id, #name, #price, #count, #shards",
            expression_names={
                "#id": attr.PRODUCT_ID,
                "#name": attr.NAME,
                "#price": attr.PRICE,
                "#count": attr.INVENTORY_COUNT,
                "#shards": attr.STOCK_SHARDS,
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
                    shards=int(values.get(attr.STOCK_SHARDS, 1)),
                )
        return found

    def shard_stock(self, shards: Mapping[str, int]) -> dict[str, list[int]]:
        """The stock in each shard of these products (id → number of shards), read consistently."""
        item_ids = [attr.stock_item_id(pid, shard) for pid, count in shards.items() for shard in range(count)]
        held = stock_in_items(self._client, self.table_name, item_ids, consistent=True)
        return {
            pid: [held.get(attr.stock_item_id(pid, shard), 0) for shard in range(count)]
            for pid, count in shards.items()
        }

    def reserve(self, reservation: Reservation, absent: Mapping[str, int]) -> None:
        """Take each line's stock at the price read, and record the reservation, in one transaction.

        `absent` are requested products the read did not find (id → quantity): each gets a check
        that always fails, so nothing is taken while the other lines' stock is still reported.
        Raises OutOfStock naming every short line, ReservationTaken, PricesMoved or WriteContended.
        """
        takes = [(line, shard, units) for line in reservation.lines for shard, units in line.takes]
        requested = [(line.product_id, units) for line, _, units in takes] + list(absent.items())
        actions = [self._take(line, shard, units, reservation.updated_at) for line, shard, units in takes]
        actions += [self._never_there(product_id) for product_id in absent]
        actions.append(self._put_new(reservation))
        try:
            transact(self._client, actions)
        except TransactionCancelled as exc:
            reasons = exc.reasons
            put_reason = reasons[len(requested)] if len(reasons) > len(requested) else {}
            if _code(put_reason) == CONDITION_FAILED:
                raise ReservationTaken(_reservation_or_none(put_reason.get("Item"))) from exc
            wanted = {**reservation.quantities(), **absent}
            short: dict[str, ShortLine] = {}
            moved = False
            for (product_id, quantity), reason in zip(requested, reasons, strict=False):
                if _code(reason) != CONDITION_FAILED:
                    continue
                available = _available(reason.get("Item"))
                if available < quantity:
                    seen = short[product_id].available if product_id in short else 0
                    short[product_id] = ShortLine(product_id, wanted[product_id], seen + available)
                else:
                    moved = True
            if short:
                raise OutOfStock(list(short.values())) from exc
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
        takes = [(line, shard, units) for line in lines for shard, units in line.takes]
        actions = [{"Update": status_change}]
        actions += [self._give_back(line, shard, units, now) for line, shard, units in takes]
        try:
            transact(self._client, actions)
        except TransactionCancelled as exc:
            status_reason, *line_reasons = exc.reasons or [{}]
            if _code(status_reason) == CONDITION_FAILED:
                raise StatusMoved(_reservation_or_none(status_reason.get("Item"))) from exc
            gone = frozenset(
                line.product_id
                for (line, _, _), reason in zip(takes, line_reasons, strict=False)
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

    def census(self) -> tuple[dict[tuple[str, int], int], list[Reservation]]:
        """The stock of every product's every shard ((id, shard) → units) and every reservation,
        by a consistent Scan of the whole table."""
        request = {
            "TableName": self.table_name,
            "ConsistentRead": True,
            "FilterExpression": "attribute_exists(#price) OR attribute_exists(#shard_of) "
            "OR begins_with(#id, :prefix)",
            "ExpressionAttributeNames": {
                "#price": attr.PRICE,
                "#shard_of": attr.SHARD_OF,
                "#id": attr.PRODUCT_ID,
            },
            "ExpressionAttributeValues": expression_values({":prefix": RESERVATION_PREFIX}),
        }
        stock: dict[tuple[str, int], int] = {}
        reservations: list[Reservation] = []
        start_key = None
        while True:
            items, start_key = read_page(self._client.scan, request, CENSUS_PAGE_SIZE, start_key)
            for item in items:
                count = int(item.get(attr.INVENTORY_COUNT, {}).get("N", 0))
                if attr.PRICE in item:
                    stock[(item[attr.PRODUCT_ID]["S"], 0)] = count
                elif attr.SHARD_OF in item:
                    shard = int(item[attr.PRODUCT_ID]["S"].rsplit("#", 1)[1])
                    stock[(item[attr.SHARD_OF]["S"], shard)] = count
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

    def _take(self, line: ReservedLine, shard: int, units: int, now: str) -> dict[str, Any]:
        return self._stock_change(
            line.product_id,
            shard,
            "#count - :quantity",
            "#count >= :quantity AND #price = :price",
            {":quantity": units, ":now": now, ":price": line.unit_price},
        )

    def _give_back(self, line: ReservedLine, shard: int, units: int, now: str) -> dict[str, Any]:
        return self._stock_change(
            line.product_id,
            shard,
            "#count + :quantity",
            "attribute_exists(#price)",
            {":quantity": units, ":now": now},
        )

    def _stock_change(
        self, product_id: str, shard: int, new_count: str, condition: str, values: dict[str, Any]
    ) -> dict[str, Any]:
        """An update of one shard's stock. On the product's own item (shard 0) the version moves
        too, so an admin's edit based on the old stock is refused, not applied; a shard item
        keeps its own copy of the price."""
        if shard == 0:
            names = _STOCK_NAMES
            update = f"SET #count = {new_count}, #version = #version + :one, #updated = :now"
            values = {**values, ":one": 1}
        else:
            names = {**_STOCK_NAMES, "#price": attr.SHARD_PRICE}
            del names["#version"]
            update = f"SET #count = {new_count}, #updated = :now"
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": _product_key(product_id, shard),
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": expression_values(values),
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
