"""One page of a Query or Scan, filled up to `limit` items even when a filter drops some."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dynamo_common.errors import translated_errors

MAX_ROUNDS_PER_PAGE = 10


def read_page(
    call: Callable[..., dict[str, Any]],
    request: dict[str, Any],
    limit: int,
    start_key: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Typed items of one page and the key to start the next from (None at the end).

    `call` is `client.query` or `client.scan`. A filtered read may need several requests to find
    `limit` items; after a bounded number it returns what it has with a key to continue from.
    """
    items: list[dict[str, Any]] = []
    last_key = start_key
    for _ in range(MAX_ROUNDS_PER_PAGE):
        arguments = dict(request, Limit=limit - len(items))
        if last_key:
            arguments["ExclusiveStartKey"] = last_key
        with translated_errors():
            response = call(**arguments)
        items.extend(response.get("Items", []))
        last_key = response.get("LastEvaluatedKey")
        if last_key is None or len(items) >= limit:
            break
    return items, last_key
