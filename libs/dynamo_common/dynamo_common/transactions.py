"""TransactWriteItems, with the one distinction callers need: a lost race, or a real failure."""

from __future__ import annotations

from typing import Any

from dynamo_common.errors import TransactionCancelled, translated_errors

CONDITION_FAILED = "ConditionalCheckFailed"


def transact(client: Any, actions: list[dict[str, Any]]) -> None:
    """Write `actions` all or nothing; a cancellation raises TransactionCancelled with its reasons."""
    with translated_errors():
        client.transact_write_items(TransactItems=actions)


def transact_if_unchanged(client: Any, actions: list[dict[str, Any]]) -> bool:
    """Write `actions`; False when a condition failed or another transaction got there first,
    so the caller re-reads and tries again."""
    try:
        transact(client, actions)
    except TransactionCancelled as exc:
        if CONDITION_FAILED in exc.codes or exc.conflicted:
            return False
        raise
    return True
