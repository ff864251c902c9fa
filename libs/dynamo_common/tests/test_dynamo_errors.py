"""botocore errors become the library's domain errors, so callers never read error codes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from dynamo_common import (
    ConditionFailed,
    DynamoError,
    Throttled,
    TransactionCancelled,
    Unavailable,
    to_item,
    translated_errors,
)
from dynamo_common.errors import translate


def client_error(code: str, **extra: object) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, **extra}, "AnyOperation")


def test_conditional_check_failure_carries_the_old_item():
    old = {"ProductID": {"S": "p1"}, "Version": {"N": "3"}}
    error = translate(client_error("ConditionalCheckFailedException", Item=old))
    assert isinstance(error, ConditionFailed)
    assert error.item == old


def test_conditional_check_failure_without_old_item():
    error = translate(client_error("ConditionalCheckFailedException"))
    assert isinstance(error, ConditionFailed) and error.item is None


def test_cancelled_transaction_keeps_reasons_and_codes():
    reasons = [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "stock"}]
    error = translate(client_error("TransactionCanceledException", CancellationReasons=reasons))
    assert isinstance(error, TransactionCancelled)
    assert error.reasons == reasons
    assert error.codes == ["None", "ConditionalCheckFailed"]
    assert error.conflicted is False
    assert "ConditionalCheckFailed" in str(error)


def test_transaction_conflict_is_marked_conflicted():
    reasons = [{"Code": "None"}, {"Code": "TransactionConflict"}]
    error = translate(client_error("TransactionCanceledException", CancellationReasons=reasons))
    assert isinstance(error, TransactionCancelled) and error.conflicted


@pytest.mark.parametrize(
    "code",
    [
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "LimitExceededException",
    ],
)
def test_throttling_codes(code):
    error = translate(client_error(code))
    assert isinstance(error, Throttled)
    assert str(error) == code


@pytest.mark.parametrize("code", ["InternalServerError", "ServiceUnavailable"])
def test_server_side_failures_are_unavailable(code):
    assert isinstance(translate(client_error(code)), Unavailable)


def test_other_errors_are_left_as_they_are():
    original = client_error("ValidationException")
    assert translate(original) is original


def test_translated_errors_chains_the_original():
    original = client_error("ThrottlingException")
    with pytest.raises(Throttled) as raised, translated_errors():
        raise original
    assert raised.value.__cause__ is original


def test_connection_failures_are_unavailable():
    with pytest.raises(Unavailable), translated_errors():
        raise EndpointConnectionError(endpoint_url="http://localhost:1")


def test_every_domain_error_is_a_dynamo_error():
    for error_class in (ConditionFailed, TransactionCancelled, Throttled, Unavailable):
        assert issubclass(error_class, DynamoError)
        assert error_class.__doc__


def test_real_conditional_write_returns_the_old_image(dynamodb, table):
    item = to_item({"ProductID": "p1", "Version": 3})
    dynamodb.put_item(TableName=table, Item=item)
    with pytest.raises(ConditionFailed) as raised, translated_errors():
        dynamodb.put_item(
            TableName=table,
            Item=item,
            ConditionExpression="attribute_not_exists(#id)",
            ExpressionAttributeNames={"#id": "ProductID"},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert raised.value.item == item


def test_real_cancelled_transaction(dynamodb, table):
    dynamodb.put_item(TableName=table, Item=to_item({"ProductID": "p1"}))
    actions = [
        {"Put": {"TableName": table, "Item": to_item({"ProductID": "p2"})}},
        {
            "Put": {
                "TableName": table,
                "Item": to_item({"ProductID": "p1"}),
                "ConditionExpression": "attribute_not_exists(ProductID)",
            }
        },
    ]
    with pytest.raises(TransactionCancelled) as raised, translated_errors():
        dynamodb.transact_write_items(TransactItems=actions)
    assert raised.value.codes == ["None", "ConditionalCheckFailed"]
    assert not raised.value.conflicted
