"""A server run as a child process: started, polled until ready within a deadline, stopped."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

from devstack.errors import DevstackError, ProcessExited, StartupTimeout
from devstack.ports import LOCALHOST, ensure_port_free, free_port, port_is_free

logger = logging.getLogger(__name__)

LOG_TAIL_LINES = 40
_FIRST_POLL_DELAY = 0.05
_MAX_POLL_DELAY = 0.5


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last `lines` lines of a log file, or a note that there is none."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:]) or "(the log is empty)"


class BackgroundServer(ABC):
    """One server process listening on a local port, its output going to a log file.

    The child gets its own session, so Ctrl-C in the terminal reaches only the parent, which then
    stops its children in the order it chooses.
    """

    name: str = "server"

    def __init__(
        self,
        *,
        log_path: Path,
        port: int | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        startup_timeout: float = 60.0,
        stop_timeout: float = 10.0,
    ):
        self.port = port if port is not None else free_port()
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self._env = dict(env) if env is not None else None
        self._cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None

    @abstractmethod
    def command(self) -> list[str]:
        """The command line that runs the server on `self.port`."""

    @abstractmethod
    def is_ready(self) -> bool:
        """True once the server answers the way its clients need it to."""

    @property
    def address(self) -> str:
        return f"{LOCALHOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The server's process id, which is also its process group's (None until started)."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the server and return once it is ready; on any failure nothing is left running."""
        if self.running:
            raise DevstackError(f"{self.name} is already running on {self.address}")
        ensure_port_free(self.port, self.name)
        command = self.command()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # Appended, so a server restarted by a test keeps the log of its previous life.
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own command line, no shell
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._env,
                cwd=self._cwd,
                start_new_session=True,
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Ask the server to stop (SIGTERM); kill its whole process group if it overstays."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop within %gs; killing it", self.name, self.stop_timeout)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def kill(self) -> None:
        """SIGKILL the whole process group at once, as a crash would: no shutdown, no goodbyes.

        Returns once the port is free, so the server can be started again on it straight away.
        """
        process = self._process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        self._wait_for_port_release()

    def _wait_for_port_release(self) -> None:
        # The group leader is reaped first; its children (gunicorn's workers) may hold the listening
        # socket a moment longer, and a start on the same port would then find it taken.
        deadline = time.monotonic() + self.stop_timeout
        while not port_is_free(self.port):
            if time.monotonic() >= deadline:
                logger.warning(
                    "port %d still taken %gs after killing %s", self.port, self.stop_timeout, self.name
                )
                return
            time.sleep(_FIRST_POLL_DELAY)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return log_tail(self.log_path, lines)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        delay = _FIRST_POLL_DELAY
        while not self.is_ready():
            if (status := self._process.poll()) is not None:
                raise ProcessExited(
                    f"{self.name} exited with status {status} before it was ready; "
                    f"last lines of {self.log_path}:\n{self.log_tail()}"
                )
            if time.monotonic() >= deadline:
                raise StartupTimeout(
                    f"{self.name} was not ready on {self.address} within "
                    f"{self.startup_timeout:g}s; last lines of {self.log_path}:\n{self.log_tail()}"
                )
            time.sleep(delay)
            delay = min(delay * 2, _MAX_POLL_DELAY)
