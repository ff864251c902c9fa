from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from devstack.errors import ProcessExited, StartupTimeout
from devstack.ports import port_is_free
from devstack.process import BackgroundServer


class ScriptServer(BackgroundServer):
    """A Python one-liner standing in for a server; ready once it has logged "ready"."""

    name = "script"

    def __init__(self, script: str, log_path: Path, **options: float):
        super().__init__(log_path=log_path, **options)
        self.script = script

    def command(self) -> list[str]:
        return [sys.executable, "-u", "-c", self.script]

    def is_ready(self) -> bool:
        return self.log_path.exists() and "ready" in self.log_path.read_text()


def test_a_server_that_exits_early_is_reported_with_its_log(tmp_path: Path) -> None:
    server = ScriptServer("print('boom'); raise SystemExit(3)", tmp_path / "script.log")

    with pytest.raises(ProcessExited, match=r"(?s)status 3.*boom"):
        server.start()


def test_a_server_never_ready_times_out_and_is_stopped(tmp_path: Path) -> None:
    server = ScriptServer(
        "import time; print('starting'); time.sleep(60)",
        tmp_path / "script.log",
        startup_timeout=0.5,
    )

    with pytest.raises(StartupTimeout, match=r"(?s)within 0.5s.*starting"):
        server.start()
    assert not server.running


def test_a_server_ignoring_sigterm_is_killed_after_the_deadline(tmp_path: Path) -> None:
    script = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready'); time.sleep(60)"
    )
    server = ScriptServer(script, tmp_path / "script.log", stop_timeout=0.5)
    server.start()

    started = time.monotonic()
    server.stop()

    assert not server.running
    assert time.monotonic() - started < 5


# The listening socket outlives the group leader for a moment, as gunicorn's workers' does.
_LEADER_WITH_A_LINGERING_CHILD = """
import os, socket, time
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", {port}))
listener.listen()
leader = os.getpid()
if os.fork() == 0:
    os.setsid()
    while os.getppid() == leader:
        time.sleep(0.01)
    time.sleep(0.5)
    os._exit(0)
print("ready")
time.sleep(60)
"""


def test_kill_returns_once_the_port_is_free_to_start_again(tmp_path: Path) -> None:
    server = ScriptServer("", tmp_path / "script.log")
    server.script = _LEADER_WITH_A_LINGERING_CHILD.format(port=server.port)
    server.start()

    server.kill()

    assert not server.running
    assert port_is_free(server.port)
