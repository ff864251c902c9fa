"""Liveness always answers; readiness answers 503 problem+json while a dependency is down."""

from __future__ import annotations


def test_live(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json == {"status": "live"}


def test_ready_when_the_check_passes(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json == {"status": "ready"}


def test_not_ready_when_the_check_raises(client, readiness, assert_problem, stdout_json):
    readiness.failure = ConnectionError("table unreachable")
    response = client.get("/health/ready")
    body = assert_problem(response, 503, "service-unavailable")
    assert response.headers["Retry-After"] == "1"
    assert "unreachable" not in body["detail"]
    warning = next(line for line in stdout_json() if line.get("message") == "not ready")
    assert warning["error"] == "table unreachable"


def test_liveness_ignores_the_readiness_check(client, readiness):
    readiness.failure = RuntimeError("down")
    assert client.get("/health/live").status_code == 200


def test_ready_again_after_recovery(client, readiness):
    readiness.failure = RuntimeError("down")
    assert client.get("/health/ready").status_code == 503
    readiness.failure = None
    assert client.get("/health/ready").status_code == 200
