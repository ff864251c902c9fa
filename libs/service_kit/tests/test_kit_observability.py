"""Request ids, JSON log lines and one EMF metrics document per request."""

from __future__ import annotations

import logging
import re

import pytest

from dynamo_common import create_tables
from dynamo_common.capacity import _current_meter
from service_kit import observability as obs
from service_kit.app import DYNAMODB_EXTENSION

METRIC_NAMES = [
    obs.LATENCY_METRIC,
    obs.REQUEST_COUNT_METRIC,
    obs.FAULT_METRIC,
    obs.CLIENT_ERROR_METRIC,
    obs.READ_CAPACITY_METRIC,
    obs.WRITE_CAPACITY_METRIC,
    obs.DYNAMODB_CALLS_METRIC,
]
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


def emf_documents(lines: list[dict]) -> list[dict]:
    return [line for line in lines if "_aws" in line]


@pytest.mark.parametrize("request_id", ["abc-123", "1-5f84c7a0.trace:span_id", "x" * 128])
def test_valid_request_id_is_echoed(client, request_id):
    response = client.get("/health/live", headers={obs.REQUEST_ID_HEADER: request_id})
    assert response.headers[obs.REQUEST_ID_HEADER] == request_id


@pytest.mark.parametrize("request_id", ["", "has space", "x" * 129, "semi;colon", "<script>"])
def test_invalid_request_id_is_replaced(client, request_id):
    response = client.get("/health/live", headers={obs.REQUEST_ID_HEADER: request_id})
    assert GENERATED_ID.match(response.headers[obs.REQUEST_ID_HEADER])


def test_request_id_with_a_trailing_newline_is_replaced_not_a_crash(client):
    # Reaches the WSGI environ unchecked; echoing it would make the response header invalid.
    response = client.get("/health/live", environ_overrides={"HTTP_X_REQUEST_ID": "abc\n"})
    assert response.status_code == 200
    assert GENERATED_ID.match(response.headers[obs.REQUEST_ID_HEADER])


def test_missing_request_id_is_generated_fresh_for_each_request(client):
    first = client.get("/health/live").headers[obs.REQUEST_ID_HEADER]
    second = client.get("/health/live").headers[obs.REQUEST_ID_HEADER]
    assert GENERATED_ID.match(first) and GENERATED_ID.match(second)
    assert first != second


def test_request_id_is_on_error_responses_too(client):
    response = client.get("/fail/boom", headers={obs.REQUEST_ID_HEADER: "trace-500"})
    assert response.status_code == 500
    assert response.headers[obs.REQUEST_ID_HEADER] == "trace-500"


def test_every_stdout_line_is_json_and_logs_carry_the_request_id(client, stdout_json):
    client.get("/fail/boom", headers={obs.REQUEST_ID_HEADER: "req-boom"})
    client.get("/fail/throttled", headers={obs.REQUEST_ID_HEADER: "req-slow"})
    lines = stdout_json()
    logs = [line for line in lines if "_aws" not in line]
    by_message = {line["message"]: line for line in logs}
    crash = by_message["unhandled error"]
    assert crash["request_id"] == "req-boom"
    assert crash["level"] == "ERROR" and crash["service"] == "test" and crash["logger"] == "shopsmart.errors"
    assert "RuntimeError" in crash["exception"]
    throttled = by_message["dynamodb throttled"]
    assert throttled["request_id"] == "req-slow"
    assert throttled["error"] == "ProvisionedThroughputExceededException"


def test_logs_outside_a_request_have_no_request_id(app, stdout_json):
    logging.getLogger("shopsmart.test").info("starting", extra={"port": 8080})
    (line,) = stdout_json()
    assert line["message"] == "starting" and line["port"] == 8080
    assert "request_id" not in line


def test_one_emf_document_per_request(client, stdout_json):
    client.post("/widgets", json={"name": "Sprocket"}, headers={obs.REQUEST_ID_HEADER: "r1"})
    client.post("/widgets", json={}, headers={obs.REQUEST_ID_HEADER: "r2"})
    client.get("/fail/boom", headers={obs.REQUEST_ID_HEADER: "r3"})
    client.get("/nowhere", headers={obs.REQUEST_ID_HEADER: "r4"})
    documents = emf_documents(stdout_json())
    assert [d["request_id"] for d in documents] == ["r1", "r2", "r3", "r4"]
    for document in documents:
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == obs.METRICS_NAMESPACE
        assert directive["Dimensions"] == [list(obs.METRIC_DIMENSIONS), list(obs.SERVICE_DIMENSIONS)]
        assert [metric["Name"] for metric in directive["Metrics"]] == METRIC_NAMES
        assert all(name in document for name in METRIC_NAMES)
        assert all(dimension in document for dimension in obs.METRIC_DIMENSIONS)
        assert document["Service"] == "test"
        assert document[obs.REQUEST_COUNT_METRIC] == 1
        assert document[obs.LATENCY_METRIC] >= 0
        assert isinstance(document["_aws"]["Timestamp"], int)
    routes = [
        (d["Route"], d["StatusCode"], d[obs.FAULT_METRIC], d[obs.CLIENT_ERROR_METRIC]) for d in documents
    ]
    assert routes == [
        ("POST /widgets", 201, 0, 0),
        ("POST /widgets", 422, 0, 1),
        ("GET /fail/<kind>", 500, 1, 0),
        ("GET unmatched", 404, 0, 1),
    ]


def test_emf_reports_the_capacity_consumed_inside_the_view(make_app, stdout_json, stock_table):
    app = make_app(dynamodb=True)
    create_tables(app.extensions[DYNAMODB_EXTENSION], app.config["TABLE_PREFIX"], (stock_table,))
    client = app.test_client()
    assert client.put("/stock/p1").status_code == 200
    assert client.put("/stock/p2").status_code == 200
    first, second = emf_documents(stdout_json())
    for document in (first, second):
        assert document["Route"] == "PUT /stock/<product_id>"
        assert document[obs.WRITE_CAPACITY_METRIC] == 1.0
        assert document[obs.READ_CAPACITY_METRIC] == 0.0
        assert document[obs.DYNAMODB_CALLS_METRIC] == 1
        # Each call itemised: operation, tables, read units, write units.
        assert document[obs.DYNAMODB_CALL_LOG_PROPERTY] == [
            ["PutItem", [stock_table.table_name(app.config["TABLE_PREFIX"])], 0.0, 1.0]
        ]


def test_capacity_of_work_outside_requests_is_not_charged_to_them(make_app, stdout_json, stock_table):
    app = make_app(dynamodb=True)
    dynamodb = app.extensions[DYNAMODB_EXTENSION]
    create_tables(dynamodb, app.config["TABLE_PREFIX"], (stock_table,))
    dynamodb.scan(TableName=stock_table.table_name(app.config["TABLE_PREFIX"]))
    app.test_client().get("/health/live")
    (document,) = emf_documents(stdout_json())
    assert document[obs.DYNAMODB_CALLS_METRIC] == 0
    # The request's meter is closed with it, so later work is charged to no request.
    assert _current_meter.get() is None


def test_metrics_can_be_switched_off(make_app, stdout_json):
    make_app(EMIT_METRICS=False).test_client().get("/health/live")
    assert emf_documents(stdout_json()) == []
