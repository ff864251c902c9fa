"""How every service's OpenAPI document describes what it answers: problems and exact amounts.

The document is the contract clients and the fuzz tests are built from, so it lists each error
status an operation can answer, as `application/problem+json`, instead of one catch-all `default`.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from apispec import APISpec, BasePlugin
from flask_smorest import Blueprint
from marshmallow import fields

from service_kit.problems import PROBLEM_CONTENT_TYPE

F = Callable[..., Any]


def register_problem_responses(spec: APISpec, problem_schema: type) -> None:
    """One lazily registered response per HTTP status, under flask-smorest's names (e.g.
    `UNPROCESSABLE_ENTITY`, which `@blp.arguments` refers to); the error ones carry a problem."""
    for status in HTTPStatus:
        response: dict[str, Any] = {"description": status.phrase}
        if status >= HTTPStatus.BAD_REQUEST:
            response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": problem_schema}}
        spec.components.response(status.name, response, lazy=True)


class SharedProblems(BasePlugin):
    """Documents the problems every operation can answer, whatever its domain: 401 and 403 where it
    demands a token, 400 where it reads a JSON body, and everywhere 414 (an overlong URL) and 503,
    since each operation reaches its table or a peer service, which may be throttled or down; and
    413 where the body may be larger than a service reads."""

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for operation in (operations or {}).values():
            statuses = [HTTPStatus.REQUEST_URI_TOO_LONG, HTTPStatus.SERVICE_UNAVAILABLE]
            if operation.get("security"):
                statuses += [HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN]
            if "requestBody" in operation:
                statuses += [HTTPStatus.BAD_REQUEST, HTTPStatus.REQUEST_ENTITY_TOO_LARGE]
            responses = operation.setdefault("responses", {})
            for status in statuses:
                if status not in responses and str(int(status)) not in responses:
                    responses[int(status)] = status.name


def problem_responses(blueprint: Blueprint, *statuses: int) -> Callable[[F], F]:
    """Documents the domain problems a view raises, e.g. `@problem_responses(blp, 404, 409)`."""

    def decorate(view: F) -> F:
        for status in statuses:
            view = blueprint.alt_response(status, response=HTTPStatus(status).name)(view)
        return view

    return decorate


def decimal_as_string(self: Any, field: fields.Field, **kwargs: Any) -> dict[str, Any]:
    """An amount written as a string (`as_string=True`) is documented as a decimal string;
    apispec calls every Decimal a number, which is not what the client receives."""
    if isinstance(field, fields.Decimal) and field.as_string:
        return {"type": "string", "format": "decimal"}
    return {}


def response_links(status: int, links: dict[str, tuple[str, str, str]]) -> dict[str, Any]:
    """OpenAPI links from a response, for `@blp.doc(**response_links(...))`: each names the
    operation (path, method) a client may call next and the parameter its answer fills, e.g.
    `{"GetProduct": ("/products/{product_id}", "get", "product_id")}` from the body's `product_id`.
    Stateful fuzzing follows them; clients learn from them what an answer leads to."""
    documented = {
        name: {
            "operationRef": "#/paths/" + path.replace("~", "~0").replace("/", "~1") + f"/{method}",
            "parameters": {parameter: f"$response.body#/{parameter}"},
        }
        for name, (path, method, parameter) in links.items()
    }
    return {"responses": {status: {"links": documented}}}


IF_NONE_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": "ETags of copies already held; when one is current the answer is 304 with no body.",
    "schema": {"type": "string", "minLength": 1},
}


def conditional_get(blueprint: Blueprint) -> Callable[[F], F]:
    """Documents a cacheable read's 304 answer (see service_kit.http_cache); `ConditionalReads`
    adds its `If-None-Match` parameter."""
    return blueprint.alt_response(HTTPStatus.NOT_MODIFIED, response=HTTPStatus.NOT_MODIFIED.name)


class ConditionalReads(BasePlugin):
    """Documents `If-None-Match` on every operation that can answer 304, beside the parameters
    its arguments already document (a `doc(parameters=...)` would replace those)."""

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for operation in (operations or {}).values():
            responses = operation.get("responses", {})
            if HTTPStatus.NOT_MODIFIED in responses or str(int(HTTPStatus.NOT_MODIFIED)) in responses:
                operation.setdefault("parameters", []).append(dict(IF_NONE_MATCH_PARAMETER))
