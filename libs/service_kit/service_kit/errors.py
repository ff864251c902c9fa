"""One handler that turns every error path of a service into problem+json, never HTML."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

from dynamo_common import InvalidCursor, Throttled, Unavailable
from service_kit.problems import (
    PROBLEM_CONTENT_TYPE,
    BadRequest,
    Problem,
    ServiceUnavailable,
    UriTooLong,
    ValidationFailed,
)

logger = logging.getLogger("shopsmart.errors")

# Room for every valid request (100 ids of 64 characters in `?ids=` take 6.5 KiB), and under
# gunicorn's request-line limit (`service_kit.server.LIMIT_REQUEST_LINE`), so a service answers
# an over-long URL itself, naming its size; gunicorn's own 414 catches only longer lines.
MAX_URL_BYTES = 8000

_HTTP_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "content-too-large",
    415: "unsupported-media-type",
    422: "validation-failed",
    428: "precondition-required",
}


def problem_response(problem: Problem) -> Response:
    response = Response(json.dumps(problem.body()), status=problem.status)
    response.content_type = PROBLEM_CONTENT_TYPE
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def _from_http_exception(exc: HTTPException) -> Problem:
    status = exc.code or 500
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if status == 422 or (status == 400 and messages):
        # webargs reports both schema errors (422) and unreadable JSON (400) with field messages.
        if status == 422:
            return ValidationFailed("The request breaks the schema.", errors=messages)
        unreadable_body = "json" in messages
        detail = "The request body is not valid JSON." if unreadable_body else "The request is malformed."
        return BadRequest(detail, errors=messages)
    problem = Problem(exc.description)
    problem.status = status
    problem.title = exc.name
    problem.slug = _HTTP_SLUGS.get(status, "http-error")
    if status == 405 and exc.get_response().headers.get("Allow"):
        problem.headers = {"Allow": exc.get_response().headers["Allow"]}
    return problem


def register_error_handlers(app: Flask) -> None:
    """Map domain problems, HTTP errors, DynamoDB outcomes and crashes to problem+json."""

    @app.errorhandler(Problem)
    def handle_problem(exc: Problem) -> Response:
        return problem_response(exc)

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException) -> Response:
        return problem_response(_from_http_exception(exc))

    @app.errorhandler(InvalidCursor)
    def handle_invalid_cursor(exc: InvalidCursor) -> Response:
        return problem_response(BadRequest(f"Invalid cursor: {exc}"))

    @app.errorhandler(Throttled)
    def handle_throttled(exc: Throttled) -> Response:
        logger.warning("dynamodb throttled", extra={"error": str(exc)})
        return problem_response(ServiceUnavailable("The database is busy; retry shortly."))

    @app.errorhandler(Unavailable)
    def handle_unavailable(exc: Unavailable) -> Response:
        logger.error("dynamodb unavailable", extra={"error": str(exc)})
        return problem_response(ServiceUnavailable("The database cannot be reached."))

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> Response:
        logger.exception("unhandled error")
        return problem_response(Problem("An unexpected error occurred."))


def refuse_overlong_urls(app: Flask) -> None:
    """Answer a URL longer than MAX_URL_BYTES with a 414 problem, before any view reads it."""

    @app.before_request
    def url_within_limit() -> None:
        size = len(request.path.encode()) + len(request.query_string)
        if size > MAX_URL_BYTES:
            raise UriTooLong(f"The URL has {size} bytes; at most {MAX_URL_BYTES} are read.")


def problem_json(body: dict[str, Any], status: int) -> Response:
    """A problem+json response from a ready body (used where no exception is raised)."""
    response = Response(json.dumps(body), status=status)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
