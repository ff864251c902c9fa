"""Domain errors for DynamoDB outcomes, so callers never inspect botocore error codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError


class DynamoError(Exception):
    """Base of every error raised by dynamo_common."""


class ConditionFailed(DynamoError):
    """A conditional write found the item in another state; `item` is its old image if known."""

    def __init__(self, message: str = "condition failed", item: dict[str, Any] | None = None):
        super().__init__(message)
        self.item = item


class TransactionCancelled(DynamoError):
    """A transaction was cancelled; `reasons` holds one code per action ("None" where it passed)."""

    def __init__(self, reasons: list[dict[str, Any]]):
        super().__init__("transaction cancelled: " + ", ".join(r.get("Code", "?") for r in reasons))
        self.reasons = reasons

    @property
    def codes(self) -> list[str]:
        return [reason.get("Code", "None") for reason in self.reasons]

    @property
    def conflicted(self) -> bool:
        """True when the cancellation was a race with another transaction, worth a retry."""
        return "TransactionConflict" in self.codes


class Throttled(DynamoError):
    """DynamoDB refused the request for capacity even after the SDK's own retries."""


class Unavailable(DynamoError):
    """DynamoDB could not be reached or failed internally."""


class InvalidCursor(DynamoError):
    """A pagination cursor was forged, truncated, or issued for another listing."""


_THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "LimitExceededException",
    }
)
_UNAVAILABLE_CODES = frozenset({"InternalServerError", "ServiceUnavailable"})


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn botocore errors raised inside the block into the domain errors above."""
    try:
        yield
    except ClientError as exc:
        raise translate(exc) from exc
    except BotoCoreError as exc:
        raise Unavailable(str(exc)) from exc


def translate(exc: ClientError) -> Exception:
    """The domain error for one botocore ClientError (the error itself when none fits)."""
    code = exc.response.get("Error", {}).get("Code", "")
    if code == "ConditionalCheckFailedException":
        return ConditionFailed(item=exc.response.get("Item"))
    if code == "TransactionCanceledException":
        return TransactionCancelled(exc.response.get("CancellationReasons", []))
    if code in _THROTTLING_CODES:
        return Throttled(code)
    if code in _UNAVAILABLE_CODES:
        return Unavailable(code)
    return exc
