"""The edges every service shares: bounded JSON nesting, one id shape, private answers kept
private, expiring guest tokens, and gunicorn's own refusals as problem+json."""

from __future__ import annotations

import importlib
import io
import json

import pytest

from service_kit.errors import MAX_URL_BYTES
from service_kit.guests import GUEST_TOKEN_HEADER, GUEST_TOKEN_TTL_SECONDS, GuestTokens
from service_kit.identifiers import MAX_ID_LENGTH, is_valid_id
from service_kit.problems import PROBLEM_CONTENT_TYPE, Unauthorized
from service_kit.request_guards import MAX_JSON_DEPTH, nests_deeper_than
from service_kit.server import (
    LIMIT_REQUEST_LINE,
    PROBLEM_SYNC_WORKER,
    PROBLEM_THREAD_WORKER,
    container_options,
    problem_bytes,
)

SECRET = "kit-guest-token-secret-kit-guest-token-secret"


@pytest.mark.parametrize(
    ("body", "deeper"),
    [
        (b"[" * 33 + b"]" * 33, True),
        (b"[" * 32 + b"]" * 32, False),
        (b'{"a": ' * 40 + b"1" + b"}" * 40, True),
        (b'{"text": "' + b"[" * 500 + b'"}', False),  # brackets inside a string are text
        (b'{"text": "\\"' + b"[" * 500 + b'"}', False),  # an escaped quote does not end it
        (b'["' + b"[" * 500, False),  # an unterminated string runs to the end
        (b"12", False),
    ],
)
def test_nesting_is_measured_outside_strings(body, deeper):
    assert nests_deeper_than(body, MAX_JSON_DEPTH) is deeper


def test_deeply_nested_json_is_400_before_parsing(client, assert_problem):
    body = b"[" * 1000 + b"]" * 1000
    response = client.post("/widgets", data=body, content_type="application/json")
    assert "nests deeper" in assert_problem(response, 400)["detail"]
    assert client.post("/widgets", json={"name": "w"}).status_code == 201


def test_a_body_over_the_limit_is_413(client, assert_problem):
    big = json.dumps({"name": "w" * (1024 * 1024)})
    assert_problem(client.post("/widgets", data=big, content_type="application/json"), 413)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("a", True),
        ("a" * MAX_ID_LENGTH, True),
        ("Ab-1_2.3", True),
        ("a" * (MAX_ID_LENGTH + 1), False),
        ("a" * 2100, False),
        ("abc\n", False),
        ("", False),
        ("-abc", False),
        ("caf\u00e9", False),
        ("\u0661", False),
        (42, False),
        (None, False),
    ],
)
def test_one_id_shape_matched_whole(value, valid):
    assert is_valid_id(value) is valid


def test_a_path_segment_that_is_not_an_id_is_404(client, assert_problem):
    assert client.get("/things/t-1").json == {"thing_id": "t-1"}
    for path in ("/things/" + "a" * 2100, "/things/abc%0A", "/things/caf%C3%A9"):
        assert_problem(client.get(path), 404)


def test_the_id_parameter_is_documented_with_its_pattern(client):
    parameters = client.get("/openapi.json").json["paths"]["/things/{thing_id}"]["parameters"]
    assert parameters[0]["schema"]["maxLength"] == MAX_ID_LENGTH
    assert parameters[0]["schema"]["pattern"].startswith("^")


def test_an_answer_to_a_caller_with_a_credential_is_never_stored(client, auth_headers):
    assert client.get("/me", headers=auth_headers("alice")).headers["Cache-Control"] == "no-store"
    assert client.get("/me", headers={GUEST_TOKEN_HEADER: "x"}).headers["Cache-Control"] == "no-store"
    assert "Cache-Control" not in client.get("/things/t-1").headers


def test_a_guest_token_expires():
    now = [1_800_000_000.0]
    tokens = GuestTokens(SECRET, ttl_seconds=60, clock=lambda: now[0])
    issued = tokens.issue()
    assert tokens.verify(issued.token) == issued.guest_id
    now[0] += 60
    with pytest.raises(Unauthorized, match="expired"):
        tokens.verify(issued.token)


def test_a_guest_token_cannot_outlive_the_merge_record():
    with pytest.raises(ValueError):
        GuestTokens(SECRET, ttl_seconds=GUEST_TOKEN_TTL_SECONDS + 1)


def test_an_extended_expiry_is_refused():
    token = GuestTokens(SECRET).issue().token
    guest_id, expires, key_id, signature = token.split(".")
    with pytest.raises(Unauthorized, match="not valid"):
        GuestTokens(SECRET).verify(f"{guest_id}.{int(expires) + 86400}.{key_id}.{signature}")


def test_gunicorn_refusals_are_problem_json():
    head, _, body = problem_bytes(414, "URI Too Long", "Request Line is too large (9000 > 8190)").partition(
        b"\r\n\r\n"
    )
    assert head.startswith(b"HTTP/1.1 414 URI Too Long\r\n")
    assert f"Content-Type: {PROBLEM_CONTENT_TYPE}".encode() in head
    assert f"Content-Length: {len(body)}".encode() in head
    problem = json.loads(body)
    assert problem["status"] == 414 and problem["type"].endswith("/uri-too-long")
    assert "9000" in problem["detail"]


def test_the_apps_refuse_an_over_long_url_before_gunicorn_does():
    assert MAX_URL_BYTES + len("OPTIONS  HTTP/1.1") < LIMIT_REQUEST_LINE


@pytest.mark.parametrize("name", [PROBLEM_SYNC_WORKER, PROBLEM_THREAD_WORKER])
def test_the_worker_names_are_the_workers(name):
    module, _, attribute = name.rpartition(".")
    assert getattr(importlib.import_module(module), attribute).__name__ == attribute


def test_the_container_options_name_the_worker_and_the_limits():
    options = container_options().split()
    assert options[:2] == ["--worker-class", "service_kit.server.ProblemThreadWorker"]
    assert options[options.index("--limit-request-line") + 1] == str(LIMIT_REQUEST_LINE)


def test_a_chunked_body_over_the_limit_is_413_not_cut(client, assert_problem):
    def chunked(body: bytes):
        # As gunicorn hands over a chunked body: de-chunked, with no length, marked as terminated.
        return client.post(
            "/widgets",
            input_stream=io.BytesIO(body),
            headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
            environ_overrides={"wsgi.input_terminated": True},
        )

    assert_problem(chunked(json.dumps({"name": "w" * (1024 * 1024)}).encode()), 413)
    small = chunked(b'{"name": "w"}')
    assert small.status_code == 201 and small.json["name"] == "w"


# Python refuses to read an integer of more than 4,300 digits with a plain ValueError, which is
# not a JSONDecodeError: it must still be a 400, never the unexpected-error handler's 500.
HUGE_INTEGER = "9" * 5000


def test_an_integer_python_refuses_to_read_is_a_400(client, assert_problem):
    body = '{"name": "w", "quantity": ' + HUGE_INTEGER + "}"
    problem = assert_problem(client.post("/widgets", data=body, content_type="application/json"), 400)
    assert problem["detail"] == "The request body is not valid JSON."
    assert client.post("/widgets", json={"name": "w", "quantity": 10**4000}).status_code == 201


def test_a_blueprint_without_the_shop_parser_is_refused(make_app):
    from flask_smorest import Blueprint as PlainBlueprint

    app = make_app()
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    with pytest.raises(TypeError, match="ShopBlueprint"):
        api.register_blueprint(PlainBlueprint("plain", __name__))
