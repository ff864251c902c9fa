from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest

from devstack.environment import StackEnvironment
from devstack.errors import ProcessExited, StartupTimeout
from devstack.ports import LOCALHOST
from devstack.services import ServiceProcess


def get_json(port: int, path: str) -> dict:
    connection = http.client.HTTPConnection(LOCALHOST, port, timeout=5)
    try:
        connection.request("GET", path)
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def stack_variables() -> dict[str, str]:
    return StackEnvironment(
        endpoint_url="http://127.0.0.1:1",
        table_prefix="unit-",
        jwks_url="file:///nowhere/jwks.json",
        cursor_secret="s3cret",
        service_urls={"products": "http://127.0.0.1:8001"},
    ).variables()


def test_service_runs_under_gunicorn_with_the_stack_environment(tmp_path: Path, fake_service: str) -> None:
    service = ServiceProcess("fake", fake_service, env=stack_variables(), log_path=tmp_path / "fake.log")

    with service:
        seen = get_json(service.port, "/environment")

    assert not service.running
    assert seen["SHOPSMART_TABLE_PREFIX"] == "unit-"
    assert seen["SHOPSMART_JWT_ISSUER"] == "shopsmart-local"
    assert seen["SHOPSMART_PRODUCTS_URL"] == "http://127.0.0.1:8001"
    assert "GET /environment" in service.log_tail()


def test_service_never_ready_times_out_showing_its_log(tmp_path: Path, fake_service: str) -> None:
    service = ServiceProcess(
        "fake",
        fake_service,
        env={**stack_variables(), "FAKE_NOT_READY": "1"},
        log_path=tmp_path / "fake.log",
        startup_timeout=2,
    )

    with pytest.raises(StartupTimeout, match=r"(?s)not ready.*GET /health/ready HTTP/1.1\" 503"):
        service.start()
    assert not service.running


def test_service_that_cannot_be_imported_fails_fast(tmp_path: Path) -> None:
    service = ServiceProcess(
        "ghost", "no_such_service_module", env=stack_variables(), log_path=tmp_path / "ghost.log"
    )

    with pytest.raises(ProcessExited, match="no_such_service_module"):
        service.start()
