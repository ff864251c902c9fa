from __future__ import annotations

import os
import signal
import socket
import threading
from pathlib import Path

import pytest

from devstack import cli
from devstack.ports import LOCALHOST, free_port
from devstack.process import BackgroundServer
from devstack.services import ServiceSpec


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch, repo_dir: Path) -> None:
    monkeypatch.chdir(repo_dir)


def only_service(monkeypatch: pytest.MonkeyPatch, spec: ServiceSpec) -> None:
    monkeypatch.setattr(cli, "SERVICES", (spec,))
    monkeypatch.setattr(cli, "SERVICES_BY_NAME", {spec.name: spec})


def test_unknown_service_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["--state-dir", str(tmp_path), "run", "--services", "products,basket"])

    assert status == 1
    assert "unknown service(s) basket" in capsys.readouterr().err


def test_run_names_a_taken_port_before_starting_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as squatter:
        squatter.bind((LOCALHOST, 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        monkeypatch.setattr(cli, "DYNAMODB_PORT", port)

        status = cli.main(["--state-dir", str(tmp_path), "run", "--engine", "moto"])

    assert status == 1
    assert f"port {port} (wanted by moto server) is already in use" in capsys.readouterr().err
    assert not (tmp_path / "logs").exists()


def test_run_starts_the_stack_and_stops_it_in_reverse_order_on_sigterm(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fake_service: str,
) -> None:
    spec = ServiceSpec("fake", fake_service, free_port())
    only_service(monkeypatch, spec)
    monkeypatch.setattr(cli, "DYNAMODB_PORT", free_port())
    serving = threading.Event()
    watch = cli._watch

    def watch_after_signalling(servers: list[BackgroundServer]) -> int:
        serving.set()
        return watch(servers)

    monkeypatch.setattr(cli, "_watch", watch_after_signalling)
    stopper = threading.Thread(target=terminate_when, args=(serving,), daemon=True)
    stopper.start()

    status = cli.main(["--state-dir", str(tmp_path), "run", "--engine", "moto"])

    stopper.join()
    out = capsys.readouterr().out
    assert status == 0
    assert "starting moto server" in out
    assert "starting the sign-in provider" in out
    assert out.index("stopping fake") < out.index("stopping sign-in") < out.index("stopping moto server")
    assert not (tmp_path / "issuer").exists(), "make token signs for the local issuer again"
    assert f"fake      http://127.0.0.1:{spec.port}" in out
    assert out.index("stopping fake") < out.index("stopping moto server")
    assert out.rstrip().endswith("everything stopped")
    assert (tmp_path / "logs" / "fake.log").exists()


def terminate_when(serving: threading.Event) -> None:
    # Signalled even on a timeout, so a stack that never gets to serving is still stopped.
    serving.wait(timeout=60)
    os.kill(os.getpid(), signal.SIGTERM)
