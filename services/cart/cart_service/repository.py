"""The carts table: one item per cart line, and one header item per cart.

The header (sort key `#cart`) holds the set of product ids that have a line. Every write of a line
changes the header in the same transaction, and adding an id is conditional on the set holding fewer
than 50, so the line limit holds under any concurrency. Lines expire through TTL one by one, which
the header cannot see: a line whose `ExpiresAt` has passed counts as gone everywhere, and a full
header is checked against the live lines (`drop_expired_lines`) before a new line is refused.

A signed-in user's lines live 30 days after their last write, a guest's (owner `guest#<id>`) one day.
A guest whose cart was wholly merged into a user's gets a marker item (`#Merged`), kept as long as any guest
token can live, so the guest's token is refused from then on.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from cart_service import table as attr
from cart_service.cart import (
    MAX_LINES,
    BoughtItem,
    CartClaimed,
    CartFull,
    CartLine,
    LineMove,
    LineNotFound,
    is_guest,
)
from dynamo_common import (
    ConditionFailed,
    TransactionCancelled,
    expression_values,
    from_item,
    to_item,
    transact,
    transact_if_unchanged,
    translated_errors,
)
from dynamo_common.transactions import CONDITION_FAILED
from service_kit.guests import GUEST_TOKEN_TTL_SECONDS

CART_HEADER = "#cart"
# Sorts before the header and every product id, so the line queries (ids after "#cart") skip it.
GUEST_MERGED_MARKER = "#Merged"
LINE_TTL_SECONDS = 30 * 24 * 60 * 60
GUEST_LINE_TTL_SECONDS = 24 * 60 * 60
TRANSACTION_LIMIT = 100
# A merge transaction holds two actions per moved line (the user's line, the guest's line) and the
# two carts' headers.
MOVES_PER_TRANSACTION = (TRANSACTION_LIMIT - 2) // 2


_LINE_NAMES = {
    "#product": attr.PRODUCT_ID,
    "#qty": attr.QUANTITY,
    "#added": attr.ADDED_AT,
    "#expires": attr.EXPIRES_AT,
    "#price": attr.PRICE_AT_ADD,
    "#orders": attr.CHECKOUT_ORDER_IDS,
}


_CLAIM_NAMES = {
    "#claim": attr.CHECKOUT_CLAIM,
    "#version": attr.CHECKOUT_CLAIM_VERSION,
    "#finished": attr.CHECKOUT_CLAIM_FINISHED,
}


def line_from_item(item: dict[str, Any]) -> CartLine:
    values = from_item(item)
    return CartLine(
        user_id=values[attr.USER_ID],
        product_id=values[attr.PRODUCT_ID],
        quantity=int(values[attr.QUANTITY]),
        added_at=values[attr.ADDED_AT],
        checkout_orders=frozenset(values.get(attr.CHECKOUT_ORDER_IDS, ())),
        added_price=values.get(attr.PRICE_AT_ADD),
    )


def line_ttl_seconds(owner: str) -> int:
    """How long a cart's lines and header live after their last write."""
    return GUEST_LINE_TTL_SECONDS if is_guest(owner) else LINE_TTL_SECONDS


def _key(user_id: str, product_id: str) -> dict[str, Any]:
    return to_item({attr.USER_ID: user_id, attr.PRODUCT_ID: product_id})


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _names(*placeholders: str) -> dict[str, str]:
    """The ExpressionAttributeNames for these placeholders (DynamoDB refuses unused ones)."""
    return {placeholder: _LINE_NAMES[placeholder] for placeholder in placeholders}


class CartRepository:
    """Cart lines and cart headers in the carts table."""

    def __init__(self, client: Any, table_name: str):
        self._client = client
        self.table_name = table_name

    def lines(self, user_id: str) -> list[CartLine]:
        """The user's live lines in the order they were added (a consistent read)."""
        request = {
            "TableName": self.table_name,
            "ConsistentRead": True,
            # Product ids start with a letter or digit, so they all sort after the "#cart" header;
            # a key condition skips it (DynamoDB refuses filters on key attributes).
            "KeyConditionExpression": "#user = :user AND #product > :header",
            "FilterExpression": "#expires > :now",
            "ExpressionAttributeNames": {"#user": attr.USER_ID, **_names("#product", "#expires")},
            "ExpressionAttributeValues": expression_values(
                {":user": user_id, ":header": CART_HEADER, ":now": self._now()}
            ),
        }
        lines = [line_from_item(item) for item in self._query_all(request)]
        return sorted(lines, key=lambda line: (line.added_at, line.product_id))

    def line(self, user_id: str, product_id: str) -> CartLine | None:
        """The user's live line for this product (a consistent read), None when there is none."""
        with translated_errors():
            response = self._client.get_item(
                TableName=self.table_name, Key=_key(user_id, product_id), ConsistentRead=True
            )
        return None if product_id == CART_HEADER else self._live_line(response.get("Item"))

    def save(self, line: CartLine, expected: CartLine | None) -> bool:
        """Write `line` if the stored line is still `expected` (None: no live line); False if not.

        Raises CartFull when the line is new and the cart already has the most lines it may.
        """
        written, _ = self.save_or_find(line, expected)
        return written

    def save_or_find(self, line: CartLine, expected: CartLine | None) -> tuple[bool, CartLine | None]:
        """`save`, also giving, when the line's condition refuses the write, the live line that
        stood in its way, as that write found it: the caller need not read it. (False, None) when
        no line is live there, or after a race lost to another transaction."""
        now = self._now()
        write = self._line_write(line, expected, now)
        write["Update"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        header = self._header_change(line.user_id, now, adding=line.product_id)
        try:
            transact(self._client, [write, header])
        except TransactionCancelled as exc:
            # One reason per action, in order: the line's write, then the header's.
            if exc.conflicted:
                return False, None
            if exc.codes[:1] == [CONDITION_FAILED]:
                return False, self._live_line(exc.reasons[0].get("Item"))
            if exc.codes[1:2] == [CONDITION_FAILED]:
                raise CartFull(f"A cart holds at most {MAX_LINES} different products.") from exc
            raise
        return True, None

    def remove(self, user_id: str, product_id: str) -> bool:
        """Delete the user's live line for this product; False when a concurrent write interfered."""
        now = self._now()
        delete = {
            "Delete": {
                "TableName": self.table_name,
                "Key": _key(user_id, product_id),
                "ConditionExpression": "attribute_exists(#product) AND #expires > :now",
                "ExpressionAttributeNames": _names("#product", "#expires"),
                "ExpressionAttributeValues": expression_values({":now": now}),
            }
        }
        try:
            transact(self._client, [delete, self._header_change(user_id, now, removing=[product_id])])
        except TransactionCancelled as exc:
            if exc.codes and exc.codes[0] == CONDITION_FAILED:
                raise LineNotFound(f"Your cart has no line for {product_id}.") from exc
            if exc.conflicted:
                return False
            raise
        return True

    def clear(self, user_id: str) -> bool:
        """Delete every line of the user's cart; False when a concurrent write interfered.

        The header loses exactly the ids deleted, so a line added meanwhile stays counted.
        """
        request = {
            "TableName": self.table_name,
            "ConsistentRead": True,
            "KeyConditionExpression": "#user = :user",
            "ProjectionExpression": "#product",
            "ExpressionAttributeNames": {"#user": attr.USER_ID, **_names("#product")},
            "ExpressionAttributeValues": expression_values({":user": user_id}),
        }
        stored_ids = (from_item(item)[attr.PRODUCT_ID] for item in self._query_all(request))
        product_ids = [pid for pid in stored_ids if pid not in (CART_HEADER, GUEST_MERGED_MARKER)]
        now = self._now()
        for chunk in _chunks(product_ids, TRANSACTION_LIMIT - 1):
            deletes = [{"Delete": {"TableName": self.table_name, "Key": _key(user_id, pid)}} for pid in chunk]
            if not transact_if_unchanged(
                self._client, [*deletes, self._header_change(user_id, now, removing=chunk)]
            ):
                return False
        return True

    def drop_expired_lines(self, user_id: str) -> bool:
        """Drop from the header the ids whose line has expired; True when some were (or may be) gone.

        Each dropped id is checked in the same transaction to still have no live line, so a line
        re-added meanwhile keeps its place.
        """
        with translated_errors():
            response = self._client.get_item(
                TableName=self.table_name, Key=_key(user_id, CART_HEADER), ConsistentRead=True
            )
        listed = set(from_item(response.get("Item") or {}).get(attr.LINE_PRODUCT_IDS, ()))
        gone = sorted(listed - {line.product_id for line in self.lines(user_id)})
        if not gone:
            return False
        now = self._now()
        checks = [
            {
                "ConditionCheck": {
                    "TableName": self.table_name,
                    "Key": _key(user_id, pid),
                    "ConditionExpression": "attribute_not_exists(#product) OR #expires <= :now",
                    "ExpressionAttributeNames": _names("#product", "#expires"),
                    "ExpressionAttributeValues": expression_values({":now": now}),
                }
            }
            for pid in gone
        ]
        transact_if_unchanged(self._client, [*checks, self._header_change(user_id, now, removing=gone)])
        return True

    def move_lines(self, guest: str, user_id: str, moves: list[LineMove]) -> list[LineMove]:
        """Move guest lines into the user's cart: each guest line is deleted in the transaction that
        writes its user line, both on condition that they are as read. At most 49 moves go in one
        transaction (100 actions), in order; the moves committed are returned, up to the first
        transaction that lost a race.

        A transaction refused for want of places in the user's cart first drops the expired lines
        its header still lists, so that a re-read and a new plan can use their places.
        """
        done: list[LineMove] = []
        for start in range(0, len(moves), MOVES_PER_TRANSACTION):
            chunk = moves[start : start + MOVES_PER_TRANSACTION]
            now = self._now()
            actions: list[dict[str, Any]] = []
            for move in chunk:
                actions += [
                    self._line_write(move.merged, move.seen, now),
                    self._delete_action(move.guest_line, now),
                ]
            moved_ids = [move.guest_line.product_id for move in chunk]
            new_ids = [move.merged.product_id for move in chunk if move.seen is None]
            actions += [
                self._header_change(guest, now, removing=moved_ids),
                self._header_taking(user_id, now, new_ids),
            ]
            try:
                transact(self._client, actions)
            except TransactionCancelled as exc:
                line_codes, user_header_code = exc.codes[:-2], exc.codes[-1:]
                if exc.conflicted or CONDITION_FAILED in line_codes:
                    return done
                if user_header_code == [CONDITION_FAILED]:
                    self.drop_expired_lines(user_id)
                    return done
                raise
            done += chunk
        return done

    def remove_bought_lines(
        self, user_id: str, order_id: str, takes: list[tuple[CartLine, int]], deletes: list[CartLine]
    ) -> bool:
        """In one transaction, take an order's quantities off `takes` (once per order) and delete
        `deletes`; False if any of those lines changed since it was read."""
        now = self._now()
        actions = [self._take_action(line, quantity, order_id, now) for line, quantity in takes]
        actions += [self._delete_action(line, now) for line in deletes]
        header = self._header_change(user_id, now, removing=[line.product_id for line in deletes])
        return transact_if_unchanged(self._client, [*actions, header])

    def remove_whole_lines(
        self, user_id: str, order_id: str, read_at: str, items: Sequence[BoughtItem]
    ) -> bool:
        """In one transaction, delete the line of every bought item and mark `order_id`'s hold on
        the cart done; False, with nothing written, unless each line is live, was added by
        `read_at`, holds at most the quantity bought and was not taken from by this order, and
        the order holds the cart.

        Those are exactly the lines `remove_bought` would delete after reading them. Timestamps
        are all written by `timestamp` (UTC, microseconds), so they compare as strings.
        """
        now = self._now()
        deletes = [
            {
                "Delete": {
                    "TableName": self.table_name,
                    "Key": _key(user_id, item.product_id),
                    "ConditionExpression": "#expires > :now AND #added <= :read_at AND #qty <= :bought "
                    "AND NOT contains(#orders, :order)",
                    "ExpressionAttributeNames": _names("#qty", "#added", "#expires", "#orders"),
                    "ExpressionAttributeValues": expression_values(
                        {":now": now, ":read_at": read_at, ":bought": item.quantity, ":order": order_id}
                    ),
                }
            }
            for item in items
        ]
        removing = [item.product_id for item in items]
        header = self._header_change(user_id, now, removing=removing, finishing=order_id)
        return transact_if_unchanged(self._client, [*deletes, header])

    def _line_write(self, line: CartLine, expected: CartLine | None, now: int) -> dict[str, Any]:
        """Write `line` if the stored line is still `expected` (None: no live line), with its price
        at add when known and a fresh expiry."""
        values: dict[str, Any] = {
            ":qty": line.quantity,
            ":added": line.added_at,
            ":expires": now + line_ttl_seconds(line.user_id),
            ":now": now,
        }
        placeholders = ["#qty", "#added", "#expires"]
        update = "SET #qty = :qty, #added = :added, #expires = :expires"
        if line.added_price is not None:
            placeholders.append("#price")
            values[":price"] = line.added_price
            update += ", #price = :price"
        if expected is None:
            # A line past its ExpiresAt that TTL has not deleted yet is replaced like a missing one.
            placeholders += ["#product", "#orders"]
            condition = "attribute_not_exists(#product) OR #expires <= :now"
            update += " REMOVE #orders"
        else:
            condition = "#expires > :now AND #added = :seen_added AND #qty = :seen_qty"
            values.update({":seen_added": expected.added_at, ":seen_qty": expected.quantity})
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": _key(line.user_id, line.product_id),
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": _names(*placeholders),
                "ExpressionAttributeValues": expression_values(values),
            }
        }

    def _take_action(self, line: CartLine, quantity: int, order_id: str, now: int) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": _key(line.user_id, line.product_id),
                "UpdateExpression": "SET #qty = #qty - :bought, #expires = :expires ADD #orders :order_ids",
                "ConditionExpression": (
                    "#expires > :now AND #added = :seen_added AND #qty = :seen_qty "
                    "AND NOT contains(#orders, :order_id)"
                ),
                "ExpressionAttributeNames": _names("#qty", "#added", "#expires", "#orders"),
                "ExpressionAttributeValues": expression_values(
                    {
                        ":bought": quantity,
                        ":expires": now + line_ttl_seconds(line.user_id),
                        ":now": now,
                        ":seen_added": line.added_at,
                        ":seen_qty": line.quantity,
                        ":order_id": order_id,
                        ":order_ids": {order_id},
                    }
                ),
            }
        }

    def _delete_action(self, line: CartLine, now: int) -> dict[str, Any]:
        return {
            "Delete": {
                "TableName": self.table_name,
                "Key": _key(line.user_id, line.product_id),
                "ConditionExpression": "#expires > :now AND #added = :seen_added AND #qty = :seen_qty",
                "ExpressionAttributeNames": _names("#qty", "#added", "#expires"),
                "ExpressionAttributeValues": expression_values(
                    {":now": now, ":seen_added": line.added_at, ":seen_qty": line.quantity}
                ),
            }
        }

    def mark_merged(self, guest: str) -> None:
        """Record that the guest's cart was merged: its token opens no cart from now on."""
        item = {
            attr.USER_ID: guest,
            attr.PRODUCT_ID: GUEST_MERGED_MARKER,
            attr.EXPIRES_AT: self._now() + GUEST_TOKEN_TTL_SECONDS,
        }
        with translated_errors():
            self._client.put_item(TableName=self.table_name, Item=to_item(item))

    def was_merged(self, guest: str) -> bool:
        """True when the guest's cart was merged into a user's (a consistent read)."""
        with translated_errors():
            response = self._client.get_item(
                TableName=self.table_name, Key=_key(guest, GUEST_MERGED_MARKER), ConsistentRead=True
            )
        return "Item" in response

    def claim(self, user_id: str, order_id: str, version: str, replacing: str | None) -> None:
        """Hold the cart for `order_id`, confirming cart `version` (raises CartClaimed).

        The hold of an order that bought and cleared the cart is taken over by a checkout of
        another version; `replacing` is a holder the caller knows is failed or gone.
        """
        condition = (
            "attribute_not_exists(#claim) OR #claim = :order OR (#finished = :true AND #version <> :version)"
        )
        values: dict[str, Any] = {
            ":order": order_id,
            ":version": version,
            ":true": True,
            ":expires": self._now() + line_ttl_seconds(user_id),
        }
        if replacing:
            condition += " OR #claim = :replacing"
            values[":replacing"] = replacing
        try:
            with translated_errors():
                self._client.update_item(
                    TableName=self.table_name,
                    Key=_key(user_id, CART_HEADER),
                    UpdateExpression="SET #claim = :order, #version = :version, #expires = :expires "
                    "REMOVE #finished",
                    ConditionExpression=condition,
                    ExpressionAttributeNames={**_CLAIM_NAMES, "#expires": attr.EXPIRES_AT},
                    ExpressionAttributeValues=expression_values(values),
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ConditionFailed as exc:
            raise CartClaimed(from_item(exc.item or {}).get(attr.CHECKOUT_CLAIM, "unknown")) from exc

    def finish_claim(self, user_id: str, order_id: str) -> None:
        """Mark `order_id`'s hold as done (it bought and cleared the cart); nothing if it holds none."""
        try:
            with translated_errors():
                self._client.update_item(
                    TableName=self.table_name,
                    Key=_key(user_id, CART_HEADER),
                    UpdateExpression="SET #finished = :true",
                    ConditionExpression="#claim = :order",
                    ExpressionAttributeNames={k: _CLAIM_NAMES[k] for k in ("#claim", "#finished")},
                    ExpressionAttributeValues=expression_values({":order": order_id, ":true": True}),
                )
        except ConditionFailed:
            return

    def release_claim(self, user_id: str, order_id: str) -> None:
        """End `order_id`'s hold on the cart; nothing happens when it does not hold it."""
        try:
            with translated_errors():
                self._client.update_item(
                    TableName=self.table_name,
                    Key=_key(user_id, CART_HEADER),
                    UpdateExpression="REMOVE #claim, #version, #finished",
                    ConditionExpression="#claim = :order",
                    ExpressionAttributeNames=_CLAIM_NAMES,
                    ExpressionAttributeValues=expression_values({":order": order_id}),
                )
        except ConditionFailed:
            return

    def ping(self) -> None:
        with translated_errors():
            self._client.describe_table(TableName=self.table_name)

    def _header_change(
        self,
        user_id: str,
        now: int,
        adding: str | None = None,
        removing: Iterable[str] = (),
        finishing: str | None = None,
    ) -> dict[str, Any]:
        """The header's part of a line write: its TTL refreshed, and the line's id listed or not.

        With `finishing`, that order's hold is marked done, on condition that the order holds it.
        """
        names = {"#expires": attr.EXPIRES_AT}
        values: dict[str, Any] = {":expires": now + line_ttl_seconds(user_id)}
        update = "SET #expires = :expires"
        change: dict[str, Any] = {"TableName": self.table_name, "Key": _key(user_id, CART_HEADER)}
        if finishing is not None:
            names.update({key: _CLAIM_NAMES[key] for key in ("#claim", "#finished")})
            values.update({":order": finishing, ":true": True})
            update += ", #finished = :true"
            change["ConditionExpression"] = "#claim = :order"
        removed = set(removing)
        if adding is not None:
            names["#lines"] = attr.LINE_PRODUCT_IDS
            values.update({":ids": {adding}, ":id": adding, ":max": MAX_LINES})
            update += " ADD #lines :ids"
            change["ConditionExpression"] = (
                "attribute_not_exists(#lines) OR size(#lines) < :max OR contains(#lines, :id)"
            )
        elif removed:
            names["#lines"] = attr.LINE_PRODUCT_IDS
            values[":ids"] = removed
            update += " DELETE #lines :ids"
        change.update(
            UpdateExpression=update,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=expression_values(values),
        )
        return {"Update": change}

    def _header_taking(self, user_id: str, now: int, new_ids: list[str]) -> dict[str, Any]:
        """The header's part of a merge: `new_ids` listed, on condition that they all fit."""
        if not new_ids:
            return self._header_change(user_id, now)
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": _key(user_id, CART_HEADER),
                "UpdateExpression": "SET #expires = :expires ADD #lines :ids",
                # Conservative when an id is listed already (an expired line): the caller drops
                # those and tries again.
                "ConditionExpression": "attribute_not_exists(#lines) OR size(#lines) <= :most",
                "ExpressionAttributeNames": {"#expires": attr.EXPIRES_AT, "#lines": attr.LINE_PRODUCT_IDS},
                "ExpressionAttributeValues": expression_values(
                    {
                        ":expires": now + line_ttl_seconds(user_id),
                        ":ids": set(new_ids),
                        ":most": MAX_LINES - len(new_ids),
                    }
                ),
            }
        }

    def _query_all(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        start_key = None
        while True:
            arguments = dict(request, **({"ExclusiveStartKey": start_key} if start_key else {}))
            with translated_errors():
                response = self._client.query(**arguments)
            items.extend(response.get("Items", []))
            start_key = response.get("LastEvaluatedKey")
            if start_key is None:
                return items

    def _live_line(self, item: dict[str, Any] | None) -> CartLine | None:
        """The line a stored item holds, None when it holds none or the line has expired."""
        if not item or attr.QUANTITY not in item:
            return None
        if int(from_item(item)[attr.EXPIRES_AT]) <= self._now():
            return None
        return line_from_item(item)

    @staticmethod
    def _now() -> int:
        return int(time.time())
