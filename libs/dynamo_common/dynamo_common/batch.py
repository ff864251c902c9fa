"""Batch writes and reads that finish what DynamoDB leaves unprocessed, with backoff."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from dynamo_common.errors import Throttled, translated_errors

BATCH_WRITE_LIMIT = 25
BATCH_GET_LIMIT = 100
DEFAULT_MAX_ROUNDS = 8

ProgressCallback = Callable[[int], None]


def _backoff(round_number: int, base: float = 0.05, cap: float = 2.0) -> float:
    """Full-jitter exponential backoff, as AWS recommends for unprocessed batch items."""
    return random.uniform(0, min(cap, base * 2**round_number))  # noqa: S311


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def batch_write(
    client: Any,
    table_name: str,
    items: Iterable[dict[str, Any]],
    progress: ProgressCallback | None = None,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
    sleep: Callable[[float], None] = time.sleep,
    workers: int = 1,
) -> int:
    """Put typed `items` 25 at a time, retrying unprocessed ones; returns how many were written.

    With `workers` > 1, that many requests are in flight at once (the client is thread-safe); items
    are read lazily, so a generator of 100,000 products is never held in memory at once.
    `progress` is called with the number of items confirmed written after each request.
    """

    def write_chunk(chunk: list[dict[str, Any]]) -> int:
        return _write_chunk(client, table_name, chunk, progress, max_rounds, sleep)

    chunks = _chunks(items, BATCH_WRITE_LIMIT)
    if workers <= 1:
        return sum(write_chunk(chunk) for chunk in chunks)
    written = 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="batch-write") as pool:
        in_flight: set[Future[int]] = set()
        for chunk in chunks:
            if len(in_flight) >= 2 * workers:
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                written += sum(future.result() for future in done)
            in_flight.add(pool.submit(write_chunk, chunk))
        written += sum(future.result() for future in in_flight)
    return written


def _write_chunk(
    client: Any,
    table_name: str,
    chunk: list[dict[str, Any]],
    progress: ProgressCallback | None,
    max_rounds: int,
    sleep: Callable[[float], None],
) -> int:
    written = 0
    pending: dict[str, Any] = {table_name: [{"PutRequest": {"Item": item}} for item in chunk]}
    for round_number in range(max_rounds):
        with translated_errors():
            response = client.batch_write_item(RequestItems=pending)
        unprocessed = response.get("UnprocessedItems") or {}
        left = len(unprocessed.get(table_name, []))
        done = len(pending[table_name]) - left
        written += done
        if progress and done:
            progress(done)
        if not left:
            return written
        pending = unprocessed
        if round_number + 1 < max_rounds:  # no point waiting before giving up
            sleep(_backoff(round_number))
    raise Throttled(f"{left} items still unprocessed after {max_rounds} rounds")


def batch_get(
    client: Any,
    table_name: str,
    keys: Sequence[dict[str, Any]],
    projection: str | None = None,
    expression_names: dict[str, str] | None = None,
    max_rounds: int = DEFAULT_MAX_ROUNDS,
    sleep: Callable[[float], None] = time.sleep,
    consistent: bool = False,
) -> list[dict[str, Any]]:
    """Get the typed items with these typed keys (100 a request), retrying unprocessed keys.

    Missing items are simply absent from the result; the order is DynamoDB's, not the keys'.
    """
    found: list[dict[str, Any]] = []
    for chunk in _chunks(keys, BATCH_GET_LIMIT):
        request: dict[str, Any] = {"Keys": chunk, "ConsistentRead": consistent}
        if projection:
            request["ProjectionExpression"] = projection
        if expression_names:
            request["ExpressionAttributeNames"] = expression_names
        pending = {table_name: request}
        for round_number in range(max_rounds):
            with translated_errors():
                response = client.batch_get_item(RequestItems=pending)
            found.extend(response.get("Responses", {}).get(table_name, []))
            unprocessed = response.get("UnprocessedKeys") or {}
            if not unprocessed.get(table_name, {}).get("Keys"):
                break
            pending = unprocessed
            if round_number + 1 < max_rounds:  # no point waiting before giving up
                sleep(_backoff(round_number))
        else:
            raise Throttled(f"keys still unprocessed after {max_rounds} rounds")
    return found
