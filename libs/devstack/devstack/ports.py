"""Free-port discovery and the early check that turns a taken port into a clear error."""

from __future__ import annotations

import http.client
import socket

from devstack.errors import PortInUse

LOCALHOST = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on right now (the OS may hand it out again, so use it soon)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOCALHOST, 0))
        return int(probe.getsockname()[1])


def ensure_port_free(port: int, owner: str) -> None:
    """Raise PortInUse, naming the port and who wanted it, when something already listens there."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Without SO_REUSEADDR a port lingering in TIME_WAIT after our own last run looks taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOCALHOST, port))
        except OSError as exc:
            raise PortInUse(
                f"port {port} (wanted by {owner}) is already in use; stop whatever listens there "
                f"(`lsof -i :{port}` shows it) and try again"
            ) from exc


def port_is_free(port: int) -> bool:
    """True when nothing listens on `port` (a connection lingering in TIME_WAIT does not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOCALHOST, port))
        except OSError:
            return False
        return True


def answers_ok(port: int, path: str) -> bool:
    """True when a local server on `port` answers `GET path` with 200."""
    connection = http.client.HTTPConnection(LOCALHOST, port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == http.client.OK
    except OSError:
        return False
    finally:
        connection.close()
