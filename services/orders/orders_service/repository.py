"""The orders table: orders, their checkout lease, and the sparse index of unfinished work."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from dynamo_common import (
    ConditionFailed,
    expression_values,
    from_item,
    read_page,
    to_item,
    translated_errors,
)
from orders_service import table as attr
from orders_service.orders import CartLine, Order, OrderLine, Status

RECOVERY_SHARD_VALUE = "due"


def _lines_to_attribute(lines: tuple[OrderLine, ...]) -> list[dict[str, Any]]:
    return [
        {
            attr.PRODUCT_ID: line.product_id,
            attr.NAME: line.name,
            attr.UNIT_PRICE: line.unit_price,
            attr.QUANTITY: line.quantity,
        }
        for line in lines
    ]


def order_to_item(order: Order) -> dict[str, Any]:
    values: dict[str, Any] = {
        attr.ORDER_ID: order.order_id,
        attr.USER_ID: order.user_id,
        attr.IDEMPOTENCY_KEY: order.idempotency_key,
        attr.STATUS: str(order.status),
        attr.ORDER_DATE: order.created_at,
        attr.UPDATED_AT: order.updated_at,
        attr.LEASE_OWNER: order.lease_owner,
        attr.LEASE_UNTIL: order.lease_until,
        attr.CART_VERSION: order.cart_version,
    }
    if order.needs_recovery:
        values[attr.RECOVERY_SHARD] = RECOVERY_SHARD_VALUE
        values[attr.RECOVERY_DUE] = order.lease_until
    return to_item(values)


def order_from_item(item: dict[str, Any]) -> Order:
    values = from_item(item)
    lines = tuple(
        OrderLine(
            product_id=line[attr.PRODUCT_ID],
            name=line[attr.NAME],
            unit_price=Decimal(line[attr.UNIT_PRICE]),
            quantity=int(line[attr.QUANTITY]),
        )
        for line in values.get(attr.PRODUCT_LIST, [])
    )
    cart_lines = tuple(
        CartLine(product_id=line[attr.PRODUCT_ID], quantity=int(line[attr.QUANTITY]))
        for line in values.get(attr.CART_LINES, [])
    )
    return Order(
        order_id=values[attr.ORDER_ID],
        user_id=values[attr.USER_ID],
        idempotency_key=values[attr.IDEMPOTENCY_KEY],
        status=Status(values[attr.STATUS]),
        created_at=values[attr.ORDER_DATE],
        updated_at=values[attr.UPDATED_AT],
        lines=lines,
        total_price=values.get(attr.TOTAL_PRICE),
        cart_lines=cart_lines,
        cart_read_at=values.get(attr.CART_READ_AT),
        cart_fingerprint=values.get(attr.CART_FINGERPRINT),
        lease_owner=values.get(attr.LEASE_OWNER),
        lease_until=values.get(attr.LEASE_UNTIL),
        reservation_committed=bool(values.get(attr.RESERVATION_COMMITTED, False)),
        cart_cleared=bool(values.get(attr.CART_CLEARED, False)),
        stock_returned=bool(values.get(attr.STOCK_RETURNED, False)),
        failure=values.get(attr.FAILURE_REASON) or {},
        needs_recovery=attr.RECOVERY_SHARD in values,
        cart_version=values.get(attr.CART_VERSION),
    )


class LeaseLost(Exception):
    """Another worker (a replay or the recovery routine) took over this order's checkout."""


_NAMES = {
    "#status": attr.STATUS,
    "#owner": attr.LEASE_OWNER,
    "#updated": attr.UPDATED_AT,
}


class OrderRepository:
    """Orders, written only by conditional updates so concurrent workers never undo each other."""

    def __init__(self, client: Any, table_name: str):
        self._client = client
        self.table_name = table_name

    def start(self, order: Order) -> bool:
        """Record a new PENDING order; False when the order (same user and key) already exists."""
        try:
            with translated_errors():
                self._client.put_item(
                    TableName=self.table_name,
                    Item=order_to_item(order),
                    ConditionExpression="attribute_not_exists(#id)",
                    ExpressionAttributeNames={"#id": attr.ORDER_ID},
                )
        except ConditionFailed:
            return False
        return True

    def get(self, order_id: str) -> Order | None:
        with translated_errors():
            response = self._client.get_item(
                TableName=self.table_name, Key=self._key(order_id), ConsistentRead=True
            )
        return order_from_item(response["Item"]) if "Item" in response else None

    def record_cart(
        self, order: Order, lines: list[CartLine], read_at: str, fingerprint: str, now: str
    ) -> None:
        self._update_owned(
            order,
            "SET #cart = :cart, #read_at = :read_at, #fingerprint = :fingerprint, #updated = :now",
            {"#cart": attr.CART_LINES, "#read_at": attr.CART_READ_AT, "#fingerprint": attr.CART_FINGERPRINT},
            {
                ":cart": [{attr.PRODUCT_ID: line.product_id, attr.QUANTITY: line.quantity} for line in lines],
                ":read_at": read_at,
                ":fingerprint": fingerprint,
                ":now": now,
            },
        )

    def confirm(self, order: Order, lines: tuple[OrderLine, ...], total: Decimal, now: str) -> None:
        self._update_owned(
            order,
            "SET #status = :confirmed, #lines = :lines, #total = :total, #updated = :now",
            {"#lines": attr.PRODUCT_LIST, "#total": attr.TOTAL_PRICE},
            {
                ":confirmed": str(Status.CONFIRMED),
                ":lines": _lines_to_attribute(lines),
                ":total": total,
                ":now": now,
            },
        )

    def fail(self, order: Order, failure: dict[str, Any], now: str, stock_held: bool = False) -> None:
        """PENDING → FAILED with the problem the client was given.

        With `stock_held` the order stays in the recovery index until `stock_released`, so a
        release that fails after it is retried by recovery; otherwise nothing is left to recover.
        """
        change = "" if stock_held else " REMOVE #shard, #due"
        names = {"#failure": attr.FAILURE_REASON}
        if not stock_held:
            names.update({"#shard": attr.RECOVERY_SHARD, "#due": attr.RECOVERY_DUE})
        self._update_owned(
            order,
            "SET #status = :failed, #failure = :failure, #updated = :now" + change,
            names,
            {":failed": str(Status.FAILED), ":failure": failure, ":now": now},
        )

    def stock_released(self, order: Order, now: str) -> None:
        """A FAILED order's reservation is released: nothing is left to recover."""
        self._update(
            order.order_id,
            "SET #updated = :now REMOVE #shard, #due",
            "#status = :failed",
            {"#shard": attr.RECOVERY_SHARD, "#due": attr.RECOVERY_DUE},
            {":now": now, ":failed": str(Status.FAILED)},
        )

    def forget(self, order: Order) -> None:
        """Delete a PENDING order that never reserved anything, so its key can be used again."""
        try:
            with translated_errors():
                self._client.delete_item(
                    TableName=self.table_name,
                    Key=self._key(order.order_id),
                    ConditionExpression="#status = :pending AND #owner = :owner",
                    ExpressionAttributeNames={"#status": attr.STATUS, "#owner": attr.LEASE_OWNER},
                    ExpressionAttributeValues=expression_values(
                        {":pending": str(Status.PENDING), ":owner": order.lease_owner}
                    ),
                )
        except ConditionFailed as exc:
            raise LeaseLost(order.order_id) from exc

    def finish_steps(self, order: Order, committed: bool, cart_cleared: bool, now: str) -> None:
        """Record the after-confirmation steps done; when all are, the order leaves the index."""
        remove = " REMOVE #shard, #due" if committed and cart_cleared else ""
        names = {"#committed": attr.RESERVATION_COMMITTED, "#cleared": attr.CART_CLEARED}
        if remove:
            names.update({"#shard": attr.RECOVERY_SHARD, "#due": attr.RECOVERY_DUE})
        self._update(
            order.order_id,
            "SET #committed = :committed, #cleared = :cleared, #updated = :now" + remove,
            "#status = :confirmed",
            names,
            {":committed": committed, ":cleared": cart_cleared, ":now": now, ":confirmed": "CONFIRMED"},
        )

    def cancel(self, order: Order, now: str, owner: str, lease_until: str) -> bool:
        """CONFIRMED → CANCELLED with the stock return still to do; False if not CONFIRMED."""
        try:
            self._update(
                order.order_id,
                "SET #status = :cancelled, #returned = :false, #updated = :now, #owner = :owner, "
                "#until = :until, #shard = :shard, #due = :until",
                "#status = :confirmed",
                {
                    "#returned": attr.STOCK_RETURNED,
                    "#until": attr.LEASE_UNTIL,
                    "#shard": attr.RECOVERY_SHARD,
                    "#due": attr.RECOVERY_DUE,
                },
                {
                    ":cancelled": str(Status.CANCELLED),
                    ":confirmed": str(Status.CONFIRMED),
                    ":false": False,
                    ":now": now,
                    ":owner": owner,
                    ":until": lease_until,
                    ":shard": RECOVERY_SHARD_VALUE,
                },
            )
        except ConditionFailed:
            return False
        return True

    def stock_returned(self, order: Order, now: str) -> None:
        self._update(
            order.order_id,
            "SET #returned = :true, #updated = :now REMOVE #shard, #due",
            "#status = :cancelled",
            {"#returned": attr.STOCK_RETURNED, "#shard": attr.RECOVERY_SHARD, "#due": attr.RECOVERY_DUE},
            {":true": True, ":now": now, ":cancelled": str(Status.CANCELLED)},
        )

    def take_over(self, order: Order, owner: str, now: str, lease_until: str) -> Order | None:
        """Take an expired lease for `owner`; None when it is still held or someone else won."""
        try:
            with translated_errors():
                response = self._client.update_item(
                    TableName=self.table_name,
                    Key=self._key(order.order_id),
                    UpdateExpression="SET #owner = :owner, #until = :until, #due = :until",
                    ConditionExpression="#until = :seen_until AND :now > #until",
                    ExpressionAttributeNames={
                        "#owner": attr.LEASE_OWNER,
                        "#until": attr.LEASE_UNTIL,
                        "#due": attr.RECOVERY_DUE,
                    },
                    ExpressionAttributeValues=expression_values(
                        {
                            ":owner": owner,
                            ":until": lease_until,
                            ":seen_until": order.lease_until,
                            ":now": now,
                        }
                    ),
                    ReturnValues="ALL_NEW",
                )
        except ConditionFailed:
            return None
        return order_from_item(response["Attributes"])

    def orders_of(
        self, user_id: str, limit: int, start_key: dict[str, Any] | None
    ) -> tuple[list[Order], dict[str, Any] | None]:
        """A page of the user's orders, newest first (Query on `UserOrdersIndex`)."""
        request = {
            "TableName": self.table_name,
            "IndexName": attr.USER_ORDERS_INDEX,
            "KeyConditionExpression": "#user = :user",
            "ExpressionAttributeNames": {"#user": attr.USER_ID},
            "ExpressionAttributeValues": expression_values({":user": user_id}),
            "ScanIndexForward": False,
        }
        items, last_key = read_page(self._client.query, request, limit, start_key)
        return [order_from_item(item) for item in items], last_key

    def due_for_recovery(self, now: str, limit: int = 100) -> list[Order]:
        """Orders with unfinished steps whose lease has run out: their keys from the sparse index
        (it projects nothing else), then each order read strongly, as it is now."""
        request = {
            "TableName": self.table_name,
            "IndexName": attr.RECOVERY_INDEX,
            "KeyConditionExpression": "#shard = :shard AND #due <= :now",
            "ExpressionAttributeNames": {"#shard": attr.RECOVERY_SHARD, "#due": attr.RECOVERY_DUE},
            "ExpressionAttributeValues": expression_values({":shard": RECOVERY_SHARD_VALUE, ":now": now}),
        }
        keys, _ = read_page(self._client.query, request, limit)
        # The index lags the table: an order finished since then is no longer recovery's work.
        orders = (self.get(key[attr.ORDER_ID]["S"]) for key in keys)
        return [order for order in orders if order is not None and order.needs_recovery]

    def ping(self) -> None:
        with translated_errors():
            self._client.describe_table(TableName=self.table_name)

    def _update_owned(
        self, order: Order, expression: str, names: dict[str, str], values: dict[str, Any]
    ) -> None:
        """An update that only the lease holder of a PENDING order may make."""
        try:
            self._update(
                order.order_id,
                expression,
                "#status = :pending AND #owner = :owner",
                names,
                {**values, ":pending": str(Status.PENDING), ":owner": order.lease_owner},
            )
        except ConditionFailed as exc:
            raise LeaseLost(order.order_id) from exc

    def _update(
        self, order_id: str, expression: str, condition: str, names: dict[str, str], values: dict[str, Any]
    ) -> None:
        used_names = {k: v for k, v in {**_NAMES, **names}.items() if k in expression + condition}
        with translated_errors():
            self._client.update_item(
                TableName=self.table_name,
                Key=self._key(order_id),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=used_names,
                ExpressionAttributeValues=expression_values(values),
            )

    def _key(self, order_id: str) -> dict[str, Any]:
        return {attr.ORDER_ID: {"S": order_id}}
