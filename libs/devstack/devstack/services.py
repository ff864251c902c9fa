"""ShopSmart's Flask services run under gunicorn, the way they run in their containers."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from devstack.ports import answers_ok
from devstack.process import BackgroundServer
from dynamo_common import TableSpec
from service_kit.server import GUNICORN_LIMITS, PROBLEM_THREAD_WORKER

READINESS_PATH = "/health/ready"
_GRACEFUL_TIMEOUT_SECONDS = 5
KEEP_ALIVE_SECONDS = 75


@dataclass(frozen=True)
class ServiceSpec:
    """A service's name, its Python package and the port `make run` gives it."""

    name: str
    module: str
    port: int


GATEWAY = "gateway"
# Where `make run` serves the shop: the address the sign-in provider sends browsers back to.
GATEWAY_PORT = 8080
# In start order: the gateway, which serves the web shop in front of the others, comes last.
SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("products", "products_service", 8001),
    ServiceSpec("cart", "cart_service", 8002),
    ServiceSpec("orders", "orders_service", 8003),
    ServiceSpec(GATEWAY, "gateway", GATEWAY_PORT),
)
SERVICES_BY_NAME = {service.name: service for service in SERVICES}


def shop_tables() -> tuple[TableSpec, ...]:
    """Every service's table, each from the spec its service owns (`<package>.table.TABLE_SPEC`)."""
    return tuple(
        importlib.import_module(f"{spec.module}.table").TABLE_SPEC
        for spec in SERVICES
        if spec.name != GATEWAY
    )


def is_importable(module: str) -> bool:
    """True when `module` is installed in this interpreter, which is the one gunicorn runs in."""
    return importlib.util.find_spec(module) is not None


class ServiceProcess(BackgroundServer):
    """One service's `create_app()` under gunicorn, ready once `/health/ready` answers 200."""

    def __init__(
        self,
        name: str,
        module: str,
        *,
        env: Mapping[str, str],
        log_path: Path,
        port: int | None = None,
        cwd: Path | None = None,
        startup_timeout: float = 30.0,
        stop_timeout: float = 10.0,
    ):
        super().__init__(
            log_path=log_path,
            port=port,
            env=env,
            cwd=cwd,
            startup_timeout=startup_timeout,
            stop_timeout=stop_timeout,
        )
        self.name = name
        self.module = module

    @property
    def base_url(self) -> str:
        return f"http://{self.address}"

    def command(self) -> list[str]:
        # gunicorn's own shutdown deadline is shorter than ours, so SIGTERM normally suffices.
        # No control socket: every gunicorn of a user defaults to the same path, so the services
        # would take it from one another and the last to stop would delete another's.
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            self.address,
            "--workers",
            "2",
            "--threads",
            "8",
            # gthread, answering gunicorn's own refusals (over-long request line, too many
            # headers) as problem+json like the app's.
            "--worker-class",
            PROBLEM_THREAD_WORKER,
            "--graceful-timeout",
            str(_GRACEFUL_TIMEOUT_SECONDS),
            # Callers keep connections open between requests; gunicorn's 2 s default would close
            # them under the caller's feet, as a load balancer's 60 s idle timeout does not.
            "--keep-alive",
            str(KEEP_ALIVE_SECONDS),
            "--no-control-socket",
            *GUNICORN_LIMITS,
            "--access-logfile",
            "-",
            f"{self.module}:create_app()",
        ]

    def is_ready(self) -> bool:
        return answers_ok(self.port, READINESS_PATH)


def run_seed(env: Mapping[str, str], options: list[str]) -> int:
    """Run `flask --app products_service seed` with its progress bar on this terminal."""
    command = [sys.executable, "-m", "flask", "--app", "products_service", "seed", *options]
    return subprocess.run(command, env=dict(env), check=False).returncode  # noqa: S603 - our own argv
