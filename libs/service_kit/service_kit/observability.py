"""Request ids, one-JSON-object-a-line logs, and per-request metrics in CloudWatch EMF."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from dynamo_common import start_metering, stop_metering

REQUEST_ID_HEADER = "X-Request-ID"
METRICS_NAMESPACE = "ShopSmart"
LATENCY_METRIC = "Latency"
REQUEST_COUNT_METRIC = "Requests"
FAULT_METRIC = "Fault"
CLIENT_ERROR_METRIC = "ClientError"
READ_CAPACITY_METRIC = "ConsumedReadCapacity"
WRITE_CAPACITY_METRIC = "ConsumedWriteCapacity"
DYNAMODB_CALLS_METRIC = "DynamoDBCalls"
# Not a metric: each DynamoDB call of the request, in order, with its operation, tables and units,
# so a request's capacity can be itemised from its log line (bench/cost.py).
DYNAMODB_CALL_LOG_PROPERTY = "DynamoDBCallLog"
METRIC_DIMENSIONS = ("Service", "Route")
# Each metric also per service alone: what an alarm watches (an alarm cannot sum over routes).
SERVICE_DIMENSIONS = ("Service",)

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_STANDARD_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({})))


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object, with the request id when inside a request."""

    def __init__(self, service: str):
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "service": self._service,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD_RECORD_FIELDS})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send the `shopsmart` loggers to stdout as JSON lines (idempotent across app factories)."""
    root = logging.getLogger("shopsmart")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root.handlers = [handler]
    root.setLevel(level)
    root.propagate = False


def emit_request_metrics(service: str, route: str, status: int, latency_ms: float, meter: Any) -> None:
    """Print one EMF document for a finished request; CloudWatch turns it into metrics."""
    document = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": METRICS_NAMESPACE,
                    "Dimensions": [list(METRIC_DIMENSIONS), list(SERVICE_DIMENSIONS)],
                    "Metrics": [
                        {"Name": LATENCY_METRIC, "Unit": "Milliseconds"},
                        {"Name": REQUEST_COUNT_METRIC, "Unit": "Count"},
                        {"Name": FAULT_METRIC, "Unit": "Count"},
                        {"Name": CLIENT_ERROR_METRIC, "Unit": "Count"},
                        {"Name": READ_CAPACITY_METRIC, "Unit": "Count"},
                        {"Name": WRITE_CAPACITY_METRIC, "Unit": "Count"},
                        {"Name": DYNAMODB_CALLS_METRIC, "Unit": "Count"},
                    ],
                }
            ],
        },
        "Service": service,
        "Route": route,
        "StatusCode": status,
        "request_id": g.get("request_id"),
        LATENCY_METRIC: round(latency_ms, 3),
        REQUEST_COUNT_METRIC: 1,
        FAULT_METRIC: int(status >= 500),
        CLIENT_ERROR_METRIC: int(400 <= status < 500),
        READ_CAPACITY_METRIC: float(meter.read_units),
        WRITE_CAPACITY_METRIC: float(meter.write_units),
        DYNAMODB_CALLS_METRIC: meter.calls,
        DYNAMODB_CALL_LOG_PROPERTY: [
            [call.operation, list(call.tables), float(call.read_units), float(call.write_units)]
            for call in meter.call_costs
        ],
    }
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()


def install_request_observability(app: Flask, service: str) -> None:
    """Accept or generate `X-Request-ID`, return it, and emit metrics for every request."""

    @app.before_request
    def start_request() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        # fullmatch: with match(), "$" would let a trailing newline through into the response header.
        g.request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()
        g.capacity_meter, g.capacity_token = start_metering()

    @app.after_request
    def finish_request(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        if "request_started" in g and app.config.get("EMIT_METRICS", True):
            route = f"{request.method} {request.url_rule.rule if request.url_rule else 'unmatched'}"
            latency_ms = (time.perf_counter() - g.request_started) * 1000
            emit_request_metrics(service, route, response.status_code, latency_ms, g.capacity_meter)
        return response

    @app.teardown_request
    def stop_request_metering(_: BaseException | None) -> None:
        token = g.pop("capacity_token", None)
        if token is not None:
            stop_metering(token)
