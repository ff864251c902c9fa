"""Every Problem renders as RFC 9457 problem+json with its status, type, title and headers."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from service_kit import problems
from service_kit.errors import problem_json, problem_response
from service_kit.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, Problem, ProblemSchema

EXPECTED = [
    (problems.BadRequest, 400, "Bad Request", "bad-request"),
    (problems.Unauthorized, 401, "Unauthorized", "unauthorized"),
    (problems.Forbidden, 403, "Forbidden", "forbidden"),
    (problems.NotFound, 404, "Not Found", "not-found"),
    (problems.Conflict, 409, "Conflict", "conflict"),
    (problems.UriTooLong, 414, "URI Too Long", "uri-too-long"),
    (problems.PreconditionFailed, 412, "Precondition Failed", "precondition-failed"),
    (problems.PreconditionRequired, 428, "Precondition Required", "precondition-required"),
    (problems.ValidationFailed, 422, "Unprocessable Content", "validation-failed"),
    (problems.ServiceUnavailable, 503, "Service Unavailable", "service-unavailable"),
]


def render(problem: Problem):
    with Flask(__name__).app_context():
        return problem_response(problem)


def test_every_subclass_is_covered():
    assert {cls for cls, *_ in EXPECTED} == set(Problem.__subclasses__())


@pytest.mark.parametrize(
    ("cls", "status", "title", "slug"), EXPECTED, ids=lambda v: getattr(v, "__name__", "")
)
def test_body_and_response(cls, status, title, slug):
    problem = cls("Something specific happened.")
    body = problem.body()
    assert body == {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": "Something specific happened.",
    }
    assert ProblemSchema().validate(body) == {}
    response = render(problem)
    assert response.status_code == status
    assert response.content_type == PROBLEM_CONTENT_TYPE
    assert json.loads(response.get_data()) == body
    assert cls.__doc__


@pytest.mark.parametrize("cls", [cls for cls, *_ in EXPECTED])
def test_detail_defaults_to_the_title(cls):
    assert cls().body()["detail"] == cls.title


def test_base_problem_is_an_internal_error():
    body = Problem().body()
    assert (body["status"], body["type"], body["detail"]) == (
        500,
        PROBLEM_TYPE_BASE + "internal-error",
        "Internal Server Error",
    )


def test_errors_and_extensions_are_included_only_when_given():
    problem = problems.ValidationFailed("Bad fields.", errors={"json": {"name": ["Missing."]}}, version=3)
    assert problem.body()["errors"] == {"json": {"name": ["Missing."]}}
    assert problem.body()["version"] == 3
    assert "errors" not in problems.Conflict("x").body()


def test_unauthorized_asks_for_a_bearer_token():
    response = render(problems.Unauthorized("No token."))
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="shopsmart"'


def test_service_unavailable_says_when_to_retry():
    assert render(problems.ServiceUnavailable()).headers["Retry-After"] == "2"
    assert render(problems.ServiceUnavailable(retry_after=7)).headers["Retry-After"] == "7"


def test_explicit_headers_are_sent():
    response = render(problems.PreconditionFailed("Stale.", headers={"ETag": '"4"'}))
    assert response.headers["ETag"] == '"4"'
    assert "Retry-After" not in response.headers


def test_headers_are_not_shared_between_instances():
    first = problems.Unauthorized()
    first.headers["X-Extra"] = "1"
    assert "X-Extra" not in problems.Unauthorized().headers


def test_ready_body_as_problem_json():
    with Flask(__name__).app_context():
        response = problem_json({"status": 409, "title": "Conflict"}, 409)
    assert response.status_code == 409
    assert response.content_type == PROBLEM_CONTENT_TYPE


def test_extension_members_are_part_of_a_problem():
    body = problems.Conflict("Short.", short_items=[{"product_id": "p1"}]).body()
    assert ProblemSchema().validate(body) == {}
