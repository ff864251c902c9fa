"""Batch writes and reads finish what DynamoDB leaves unprocessed, with bounded backoff."""

from __future__ import annotations

from typing import Any

import pytest

from dynamo_common import Throttled, batch_get, batch_write, from_item, to_item
from dynamo_common.batch import BATCH_GET_LIMIT, BATCH_WRITE_LIMIT

TABLE = "products"


def product(number: int) -> dict[str, Any]:
    return to_item({"ProductID": f"p{number:03}", "Name": f"Product {number}"})


def key(number: int) -> dict[str, Any]:
    return to_item({"ProductID": f"p{number:03}"})


class FakeBatchClient:
    """Leaves the last `leave_behind` requests of a batch unprocessed for the first `stingy_calls` calls."""

    def __init__(self, stingy_calls: int, leave_behind: int = 2):
        self.stingy_calls = stingy_calls
        self.leave_behind = leave_behind
        self.write_requests: list[list[dict[str, Any]]] = []
        self.get_requests: list[dict[str, Any]] = []
        self.stored: dict[str, dict[str, Any]] = {}

    def _stingy(self) -> bool:
        calls = len(self.write_requests) + len(self.get_requests)
        return calls <= self.stingy_calls

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        requests = RequestItems[TABLE]
        self.write_requests.append(requests)
        cut = max(len(requests) - self.leave_behind, 0) if self._stingy() else len(requests)
        for request in requests[:cut]:
            item = request["PutRequest"]["Item"]
            self.stored[item["ProductID"]["S"]] = item
        left = requests[cut:]
        return {"UnprocessedItems": {TABLE: left} if left else {}}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        request = RequestItems[TABLE]
        self.get_requests.append(request)
        keys = request["Keys"]
        cut = max(len(keys) - self.leave_behind, 0) if self._stingy() else len(keys)
        found = [self.stored[k["ProductID"]["S"]] for k in keys[:cut] if k["ProductID"]["S"] in self.stored]
        response: dict[str, Any] = {"Responses": {TABLE: found}, "UnprocessedKeys": {}}
        if keys[cut:]:
            response["UnprocessedKeys"] = {TABLE: {**request, "Keys": keys[cut:]}}
        return response


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def test_write_retries_unprocessed_items_until_all_are_written():
    client, sleep, progress = FakeBatchClient(stingy_calls=3, leave_behind=2), RecordingSleep(), []
    written = batch_write(
        client, TABLE, [product(n) for n in range(10)], progress=progress.append, sleep=sleep
    )
    assert written == 10
    assert sorted(client.stored) == [f"p{n:03}" for n in range(10)]
    # Each retry sends exactly what was left over.
    assert [len(r) for r in client.write_requests] == [10, 2, 2, 2]
    assert progress == [8, 2]
    assert len(sleep.delays) == 3


def test_backoff_grows_and_is_capped():
    client, sleep = FakeBatchClient(stingy_calls=7, leave_behind=1), RecordingSleep()
    batch_write(client, TABLE, [product(1)], sleep=sleep)
    assert len(sleep.delays) == 7
    for round_number, delay in enumerate(sleep.delays):
        assert 0 <= delay <= min(2.0, 0.05 * 2**round_number)


def test_write_sends_at_most_25_items_a_request_and_reports_progress_per_request():
    client, progress = FakeBatchClient(stingy_calls=0), []
    written = batch_write(client, TABLE, (product(n) for n in range(60)), progress=progress.append)
    assert written == 60 == sum(progress)
    assert [len(r) for r in client.write_requests] == [BATCH_WRITE_LIMIT, BATCH_WRITE_LIMIT, 10]
    assert progress == [25, 25, 10]


def test_write_gives_up_with_throttled_after_max_rounds_without_a_useless_last_sleep():
    client, sleep, progress = FakeBatchClient(stingy_calls=100, leave_behind=3), RecordingSleep(), []
    with pytest.raises(Throttled, match="3 items still unprocessed after 4 rounds"):
        batch_write(client, TABLE, [product(n) for n in range(5)], progress.append, max_rounds=4, sleep=sleep)
    assert len(client.write_requests) == 4
    assert len(sleep.delays) == 3
    assert progress == [2]


def test_write_of_nothing_makes_no_request():
    client = FakeBatchClient(stingy_calls=0)
    assert batch_write(client, TABLE, []) == 0
    assert client.write_requests == []


def test_get_retries_unprocessed_keys_and_keeps_the_projection():
    client, sleep = FakeBatchClient(stingy_calls=0), RecordingSleep()
    batch_write(client, TABLE, [product(n) for n in range(6)])
    client.stingy_calls, client.leave_behind = 3, 2  # the next two get calls leave keys behind
    found = batch_get(
        client,
        TABLE,
        [key(n) for n in range(6)],
        projection="#n",
        expression_names={"#n": "Name"},
        sleep=sleep,
    )
    assert sorted(item["ProductID"]["S"] for item in found) == [f"p{n:03}" for n in range(6)]
    assert [len(r["Keys"]) for r in client.get_requests] == [6, 2, 2]
    assert all(r["ProjectionExpression"] == "#n" for r in client.get_requests)
    assert len(sleep.delays) == 2


def test_get_chunks_keys_by_100_and_skips_missing_items():
    client = FakeBatchClient(stingy_calls=0)
    batch_write(client, TABLE, [product(n) for n in range(0, 250, 2)])
    found = batch_get(client, TABLE, [key(n) for n in range(250)])
    assert [len(r["Keys"]) for r in client.get_requests] == [BATCH_GET_LIMIT, BATCH_GET_LIMIT, 50]
    assert len(found) == 125
    assert all(r["ConsistentRead"] is False and "ProjectionExpression" not in r for r in client.get_requests)


def test_get_gives_up_with_throttled():
    client, sleep = FakeBatchClient(stingy_calls=100, leave_behind=1), RecordingSleep()
    with pytest.raises(Throttled):
        batch_get(client, TABLE, [key(1)], max_rounds=3, sleep=sleep)
    assert len(client.get_requests) == 3
    assert len(sleep.delays) == 2


def test_write_then_get_against_moto(dynamodb, table):
    assert batch_write(dynamodb, table, [product(n) for n in range(30)]) == 30
    found = batch_get(dynamodb, table, [key(n) for n in range(0, 40, 3)])
    assert sorted(from_item(item)["ProductID"] for item in found) == [f"p{n:03}" for n in range(0, 30, 3)]
