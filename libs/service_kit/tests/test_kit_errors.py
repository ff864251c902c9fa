"""Every error path of a service answers problem+json, never HTML and never a traceback."""

from __future__ import annotations


def test_valid_body_passes_through(client):
    response = client.post("/widgets", json={"name": "Sprocket"})
    assert response.status_code == 201
    assert response.json == {"name": "Sprocket", "quantity": 1}


def test_malformed_json_is_400(client, assert_problem):
    response = client.post("/widgets", data='{"name": ', content_type="application/json")
    body = assert_problem(response, 400, "bad-request")
    assert body["detail"] == "The request body is not valid JSON."


def test_schema_error_is_422_naming_the_fields(client, assert_problem):
    response = client.post("/widgets", json={"quantity": -1, "colour": "red"})
    body = assert_problem(response, 422, "validation-failed")
    assert set(body["errors"]["json"]) == {"name", "quantity", "colour"}


def test_unknown_route_is_404(client, assert_problem):
    assert_problem(client.get("/no/such/thing"), 404, "not-found")


def test_wrong_method_is_405_with_allow(client, assert_problem):
    response = client.delete("/widgets")
    assert_problem(response, 405, "method-not-allowed")
    assert "POST" in response.headers["Allow"]


def test_unexpected_exception_is_500_without_details(client, assert_problem):
    response = client.get("/fail/boom")
    body = assert_problem(response, 500, "internal-error")
    text = response.get_data(as_text=True)
    assert "hunter2" not in text
    assert "Traceback" not in text
    assert "RuntimeError" not in text
    assert body["detail"] == "An unexpected error occurred."


def test_invalid_cursor_is_400(client, assert_problem):
    body = assert_problem(client.get("/fail/cursor"), 400, "bad-request")
    assert body["detail"].startswith("Invalid cursor")


def test_throttled_is_503_with_retry_after(client, assert_problem):
    response = client.get("/fail/throttled")
    assert_problem(response, 503, "service-unavailable")
    assert int(response.headers["Retry-After"]) > 0


def test_unavailable_is_503_with_retry_after(client, assert_problem):
    response = client.get("/fail/unavailable")
    body = assert_problem(response, 503, "service-unavailable")
    assert int(response.headers["Retry-After"]) > 0
    assert "InternalServerError" not in body["detail"]


def test_openapi_documents_bearer_auth_and_problem_errors(client):
    spec = client.get("/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    responses = spec["paths"]["/widgets"]["post"]["responses"]
    assert "422" in responses
    assert set(spec["components"]["schemas"]["Problem"]["required"]) == {"type", "title", "status", "detail"}
    unprocessable = spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert [media["schema"]["$ref"] for media in unprocessable.values()] == ["#/components/schemas/Problem"]


def test_overlong_url_is_414_before_the_view(client, assert_problem):
    assert client.get("/products?ids=" + "a" * 7900).status_code == 404  # within the limit
    body = assert_problem(client.get("/widgets?junk=" + "%C3%A9" * 1400), 414, "uri-too-long")
    assert "8000" in body["detail"]
