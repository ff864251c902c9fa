"""A page is filled across filtered responses, and ends with the key to continue from."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from dynamo_common import Throttled, from_item, read_page, to_item
from dynamo_common.pages import MAX_ROUNDS_PER_PAGE


def k(name: str) -> dict[str, Any]:
    return {"ProductID": {"S": name}}


class ScriptedReads:
    """Answers each call with the next scripted response and remembers the arguments."""

    def __init__(self, responses: list[dict[str, Any]]):
        self.responses = list(responses)
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **arguments: Any) -> dict[str, Any]:
        self.calls.append(arguments)
        return self.responses.pop(0)


def test_fills_the_page_across_filtered_responses_and_returns_the_last_key():
    call = ScriptedReads(
        [
            {"Items": [k("a")], "LastEvaluatedKey": k("a")},
            {"Items": [], "LastEvaluatedKey": k("b")},
            {"Items": [k("c"), k("d")], "LastEvaluatedKey": k("d")},
            {"Items": [k("e")]},
        ]
    )
    request = {"TableName": "t", "FilterExpression": "x"}
    items, last_key = read_page(call, request, limit=3, start_key=k("start"))
    assert items == [k("a"), k("c"), k("d")]
    assert last_key == k("d")
    assert [c["Limit"] for c in call.calls] == [3, 2, 2]
    assert [c["ExclusiveStartKey"] for c in call.calls] == [k("start"), k("a"), k("b")]
    assert all(c["FilterExpression"] == "x" for c in call.calls)
    assert request == {"TableName": "t", "FilterExpression": "x"}


def test_end_of_the_listing_has_no_next_key():
    call = ScriptedReads([{"Items": [k("a")], "LastEvaluatedKey": k("a")}, {"Items": [k("b")]}])
    items, last_key = read_page(call, {"TableName": "t"}, limit=5)
    assert items == [k("a"), k("b")]
    assert last_key is None
    assert "ExclusiveStartKey" not in call.calls[0]


def test_gives_back_a_partial_page_after_a_bounded_number_of_requests():
    call = ScriptedReads([{"Items": [], "LastEvaluatedKey": k(str(n))} for n in range(20)])
    items, last_key = read_page(call, {"TableName": "t"}, limit=2)
    assert items == []
    assert len(call.calls) == MAX_ROUNDS_PER_PAGE
    assert last_key == k(str(MAX_ROUNDS_PER_PAGE - 1))


def test_errors_are_translated():
    def throttled(**_: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": "ThrottlingException"}}, "Query")

    with pytest.raises(Throttled):
        read_page(throttled, {"TableName": "t"}, limit=2)


def test_pages_of_a_filtered_scan_on_moto_cover_every_match_once(dynamodb, table):
    for n in range(12):
        category = "Kitchen" if n % 3 == 0 else "Garden"
        dynamodb.put_item(TableName=table, Item=to_item({"ProductID": f"p{n:02}", "Category": category}))
    request = {
        "TableName": table,
        "FilterExpression": "#c = :c",
        "ExpressionAttributeNames": {"#c": "Category"},
        "ExpressionAttributeValues": to_item({":c": "Kitchen"}),
    }
    seen: list[str] = []
    start_key = None
    for _ in range(5):
        items, start_key = read_page(dynamodb.scan, request, limit=2, start_key=start_key)
        assert len(items) <= 2
        seen += [from_item(item)["ProductID"] for item in items]
        if start_key is None:
            break
    assert sorted(seen) == ["p00", "p03", "p06", "p09"]
    assert start_key is None
