"""The migrate step for the sweep's index: give RESERVED reservations written before it existed
(before issue 14) the `HeldShard` and `HeldSince` attributes, so the sparse
`HeldReservationsIndex` lists them and recovery's sweep can see them.

Expand → migrate → contract: (1) expand, the release that writes the attributes on every new
reservation and adds the index; (2) migrate, this backfill, run once that release is deployed;
(3) contract, nothing older is left for anything to fall back on.

Idempotent: each write is conditional on the reservation still being RESERVED and still lacking
the attributes, so a second run (or a run racing a commit or release) changes nothing twice and
never marks a settled reservation as held. Resumable: each page reports the last key it read,
and a run given that key continues after it; starting again from the top is also safe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dynamo_common import ConditionFailed, expression_values, translated_errors
from products_service import table as attr
from products_service.reservation_repository import HELD_SHARD_VALUE, RESERVATION_PREFIX
from products_service.reservations import ReservationStatus

# A reservation with no time of its own counts as held since the beginning: the sweep looks at it
# first, and still releases it only when orders says its order is gone or FAILED.
UNKNOWN_SINCE = "1970-01-01T00:00:00.000Z"
DEFAULT_PAGE_SIZE = 200
RESERVED = ReservationStatus.RESERVED.value


@dataclass
class BackfillProgress:
    """How far a backfill has come; `resume_from` continues after the last key read (None: done)."""

    scanned: int = 0
    found: int = 0
    backfilled: int = 0
    raced: int = 0
    resume_from: str | None = None


def backfill_held_index(
    client: Any,
    table_name: str,
    dry_run: bool = False,
    resume_from: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    on_page: Callable[[BackfillProgress], None] | None = None,
) -> BackfillProgress:
    """Backfill every RESERVED reservation lacking the index attributes; with `dry_run`, count
    them and write nothing. `on_page` is told the progress after each page of the scan."""
    progress = BackfillProgress()
    request: dict[str, Any] = {
        "TableName": table_name,
        "FilterExpression": (
            "begins_with(#id, :prefix) AND #status = :reserved AND attribute_not_exists(#held)"
        ),
        "ProjectionExpression": "#id, #created, #updated",
        "ExpressionAttributeNames": {
            "#id": attr.PRODUCT_ID,
            "#status": attr.STATUS,
            "#held": attr.HELD_SHARD,
            "#created": attr.CREATED_AT,
            "#updated": attr.UPDATED_AT,
        },
        "ExpressionAttributeValues": expression_values(
            {":prefix": RESERVATION_PREFIX, ":reserved": RESERVED}
        ),
        "Limit": page_size,
    }
    if resume_from:
        request["ExclusiveStartKey"] = {attr.PRODUCT_ID: {"S": resume_from}}
    while True:
        with translated_errors():
            page = client.scan(**request)
        progress.scanned += page.get("ScannedCount", 0)
        for item in page["Items"]:
            progress.found += 1
            if dry_run:
                continue
            since = (item.get(attr.CREATED_AT) or item.get(attr.UPDATED_AT) or {"S": UNKNOWN_SINCE})["S"]
            if _mark_held(client, table_name, item[attr.PRODUCT_ID]["S"], since):
                progress.backfilled += 1
            else:
                progress.raced += 1
        last_key = page.get("LastEvaluatedKey")
        progress.resume_from = last_key[attr.PRODUCT_ID]["S"] if last_key else None
        if on_page is not None:
            on_page(progress)
        if not last_key:
            return progress
        request["ExclusiveStartKey"] = last_key


def _mark_held(client: Any, table_name: str, item_id: str, since: str) -> bool:
    """Add the index attributes to one reservation; False when it has moved on or has them already."""
    try:
        with translated_errors():
            client.update_item(
                TableName=table_name,
                Key={attr.PRODUCT_ID: {"S": item_id}},
                UpdateExpression="SET #held = :held, #since = :since",
                ConditionExpression="#status = :reserved AND attribute_not_exists(#held)",
                ExpressionAttributeNames={
                    "#status": attr.STATUS,
                    "#held": attr.HELD_SHARD,
                    "#since": attr.HELD_SINCE,
                },
                ExpressionAttributeValues=expression_values(
                    {
                        ":held": HELD_SHARD_VALUE,
                        ":since": since,
                        ":reserved": ReservationStatus.RESERVED.value,
                    }
                ),
            )
    except ConditionFailed:
        return False
    return True
