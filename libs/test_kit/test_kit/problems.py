"""The check every test of an error makes: a problem+json body with the status it was sent with."""

from __future__ import annotations

from typing import Any

from service_kit.problems import PROBLEM_CONTENT_TYPE


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """Check a Flask test response is a complete problem+json document of `status`; return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM_CONTENT_TYPE
    body = response.json
    assert body["status"] == status and body["title"] and body["type"] and body["detail"]
    return body
