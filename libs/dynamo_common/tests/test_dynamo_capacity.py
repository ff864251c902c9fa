"""Consumed capacity is collected per unit of work, never shared between contexts."""

from __future__ import annotations

import threading
from decimal import Decimal

from dynamo_common import CapacityMeter, metered, to_item
from dynamo_common.capacity import _current_meter


def test_meter_collects_reads_and_writes_of_real_calls(dynamodb, table):
    with metered() as meter:
        dynamodb.put_item(TableName=table, Item=to_item({"ProductID": "p1"}))
        dynamodb.get_item(TableName=table, Key=to_item({"ProductID": "p1"}))
        dynamodb.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": to_item({"ProductID": "p2"})}}]}
        )
    assert meter.calls == 3
    assert meter.by_operation == {"PutItem": 1, "GetItem": 1, "BatchWriteItem": 1}
    assert meter.write_units == Decimal(2)
    assert meter.read_units == Decimal("0.5")
    assert meter.total_units == Decimal("2.5")


def test_nothing_is_recorded_outside_a_meter(dynamodb, table):
    dynamodb.put_item(TableName=table, Item=to_item({"ProductID": "p1"}))
    with metered() as meter:
        pass
    dynamodb.get_item(TableName=table, Key=to_item({"ProductID": "p1"}))
    assert (meter.calls, meter.total_units) == (0, 0)
    assert _current_meter.get() is None


def test_nested_meter_restores_the_outer_one(dynamodb, table):
    with metered() as outer:
        with metered() as inner:
            dynamodb.put_item(TableName=table, Item=to_item({"ProductID": "p1"}))
        dynamodb.get_item(TableName=table, Key=to_item({"ProductID": "p1"}))
    assert inner.by_operation == {"PutItem": 1}
    assert outer.by_operation == {"GetItem": 1}


def test_two_threads_have_separate_meters(dynamodb, table):
    both_metering = threading.Barrier(2, timeout=10)
    meters: dict[str, CapacityMeter] = {}

    def writer() -> None:
        with metered() as meter:
            both_metering.wait()
            dynamodb.put_item(TableName=table, Item=to_item({"ProductID": "w"}))
            both_metering.wait()
        meters["writer"] = meter

    def reader() -> None:
        with metered() as meter:
            both_metering.wait()
            for _ in range(3):
                dynamodb.get_item(TableName=table, Key=to_item({"ProductID": "w"}))
            both_metering.wait()
        meters["reader"] = meter

    with metered() as main_meter:
        threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    assert meters["writer"].by_operation == {"PutItem": 1}
    assert meters["writer"].write_units == 1 and meters["writer"].read_units == 0
    assert meters["reader"].by_operation == {"GetItem": 3}
    assert meters["reader"].read_units == Decimal("1.5") and meters["reader"].write_units == 0
    assert main_meter.calls == 0


def test_record_splits_on_demand_totals_by_operation_kind():
    meter = CapacityMeter()
    meter.record("Query", {"TableName": "t", "CapacityUnits": 2.5})
    meter.record("UpdateItem", {"TableName": "t", "CapacityUnits": 1.0})
    meter.record("TransactWriteItems", [{"CapacityUnits": 2.0}, {"CapacityUnits": 4.0}])
    meter.record("GetItem", {"ReadCapacityUnits": 0.5, "WriteCapacityUnits": 0})
    meter.record("DeleteItem", None)
    assert meter.read_units == Decimal("3.0")
    assert meter.write_units == Decimal("7.0")
    assert meter.calls == 5
