"""The images tier: every image built with podman from the unchanged Dockerfiles, and the shop run
from them the way docker/compose.yaml runs it.

`make images` first installs podman (scripts/ensure-podman) and the stand-in base images
(scripts/build-base-images). The images are then built with `--pull=never` (nothing reaches for a
registry) in the docker format, which keeps each Dockerfile's HEALTHCHECK. The shop runs from
compose.yaml itself, so the tier and compose share one description of each service (image,
command, environment, volumes, read-only root, dependencies): the only differences are the
addresses. Each container has a network namespace of its own (slirp4netns) with the image's port
published on a free host port, as compose gives each container its own address; a container
reaches the host's DynamoDB Local and its peers through slirp's address for the host's loopback.
(On the host's network, every image would bind the same port 8000.) Containers, named per run,
are removed when the session ends, and any left by an earlier run that was killed are removed at
the start.
"""

from __future__ import annotations

import graphlib
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack import DynamoDBLocal, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKER_DIR = REPO_ROOT / "docker"
COMPOSE_FILE = DOCKER_DIR / "compose.yaml"
CONTAINERS_CONF = DOCKER_DIR / "podman" / "containers.conf"
# The engine compose runs as a container of its own; here it is the tier's DynamoDB Local process.
DYNAMODB_SERVICE = "dynamodb"
# Every service's function image: this tier invokes the products one, and the deploy tier runs
# all three as Lambda would run what its functions' configurations name (tests/deploy).
LAMBDA_DOCKERFILE = "docker/lambda/Dockerfile"
LAMBDA_SERVICES = ("products", "cart", "orders")
LAMBDA_SERVICE = "products"


def lambda_image(service: str) -> str:
    """The local tag of a service's function image."""
    return f"shopsmart/{service}:lambda"


LAMBDA_IMAGE = lambda_image(LAMBDA_SERVICE)
# slirp4netns gives a container this address for the host's loopback (with allow_host_loopback).
HOST_LOOPBACK = "10.0.2.2"
NETWORK = "slirp4netns:allow_host_loopback=true"
RUN_LABEL = "org.shopsmart.images-run.pid"
STARTUP_DEADLINE_SECONDS = 90.0
ONE_SHOT_DEADLINE_SECONDS = 120.0
BUILD_DEADLINE_SECONDS = 1200.0
COMPOSE_VARIABLE = re.compile(r"\$\{(\w+):-([^}]*)\}")
SERVICE_ADDRESS = re.compile(r"http://(?P<host>[a-z][a-z0-9-]*):\d+")


class PodmanFailed(AssertionError):
    """A podman command failed; the message carries its command line and output."""


class Podman:
    """The podman CLI with the project's containers.conf (runc, no default ulimits)."""

    def __init__(self) -> None:
        self.environment = {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}

    def __call__(
        self, *args: str, check: bool = True, timeout: float = 120.0
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["podman", *args],
            capture_output=True,
            text=True,
            env=self.environment,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise PodmanFailed(
                f"podman {' '.join(args[:3])}… exited {result.returncode}:\n{result.stderr[-3000:]}"
            )
        return result

    def inspect(self, kind: str, name: str) -> dict[str, Any]:
        return json.loads(self(kind, "inspect", name).stdout)[0]

    def logs(self, container: str) -> str:
        result = self("logs", "--tail", "40", container, check=False)
        return result.stdout + result.stderr


@dataclass(frozen=True)
class ImageBuild:
    tag: str
    dockerfile: str
    args: Mapping[str, str]


@dataclass(frozen=True)
class BuiltImage:
    tag: str
    size_bytes: int
    seconds: float


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def image_builds() -> list[ImageBuild]:
    """What compose builds, plus each service's Lambda function image."""
    builds = {
        service["image"]: ImageBuild(
            service["image"], service["build"]["dockerfile"], service["build"].get("args", {})
        )
        for service in compose()["services"].values()
        if "build" in service
    }
    for service in LAMBDA_SERVICES:
        tag = lambda_image(service)
        builds[tag] = ImageBuild(tag, LAMBDA_DOCKERFILE, {"SERVICE": service})
    return list(builds.values())


def build(podman: Podman, image: ImageBuild) -> BuiltImage:
    started = time.monotonic()
    build_args = [f"--build-arg={name}={value}" for name, value in image.args.items()]
    # The host's network for RUN steps (pip reaches PyPI); podman passes the host's proxy
    # variables, if any, to them by default, and the base image trusts the host's CA bundle.
    podman(
        "build", "--pull=never", "--network=host", "--format=docker", "--layers",
        "-f", image.dockerfile, *build_args, "-t", image.tag, str(REPO_ROOT),
        timeout=BUILD_DEADLINE_SECONDS,
    )  # fmt: skip
    size = int(podman.inspect("image", image.tag)["Size"])
    return BuiltImage(image.tag, size, time.monotonic() - started)


def container_environment(
    declared: Mapping[str, Any], addresses: Mapping[str, str], variables: Mapping[str, str]
) -> dict[str, str]:
    """A compose service's environment with `${NAME:-default}` filled in from `variables` and
    each `http://<service>:<port>` pointed at that service's address here."""

    def resolved(value: Any) -> str:
        text = COMPOSE_VARIABLE.sub(lambda match: variables.get(match[1], match[2]), str(value))
        return SERVICE_ADDRESS.sub(
            lambda match: f"http://{addresses[match['host']]}" if match["host"] in addresses else match[0],
            text,
        )

    return {name: resolved(value) for name, value in declared.items()}


@dataclass
class ContainerStack:
    """compose.yaml's services as podman containers: one-shots run to completion, long-running
    services started and awaited through compose's own health check."""

    podman: Podman
    dynamodb_endpoint_port: int
    run_id: str = field(default_factory=lambda: f"shopsmart-images-{secrets.token_hex(4)}")
    work_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="shopsmart-images-")))
    host_ports: dict[str, int] = field(default_factory=dict)
    running: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(
        default_factory=lambda: {
            "SHOPSMART_CURSOR_SECRET": secrets.token_urlsafe(32),
            "SHOPSMART_GUEST_TOKEN_SECRET": secrets.token_urlsafe(32),
        }
    )

    def __post_init__(self) -> None:
        self.services: dict[str, dict[str, Any]] = compose()["services"]
        self.volumes = [f"{self.run_id}-{name}" for name in compose().get("volumes", {})]

    @property
    def addresses(self) -> dict[str, str]:
        return {
            DYNAMODB_SERVICE: f"{HOST_LOOPBACK}:{self.dynamodb_endpoint_port}",
            **{name: f"{HOST_LOOPBACK}:{port}" for name, port in self.host_ports.items()},
        }

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.host_ports[service]}"

    def container(self, service: str) -> str:
        return f"{self.run_id}-{service}"

    def start(self) -> None:
        for volume in self.volumes:
            self.podman("volume", "create", "--label", f"{RUN_LABEL}={os.getpid()}", volume)
        long_running = [name for name in self.services if not self._one_shot(name)]
        self.host_ports = {name: free_port() for name in long_running if name != DYNAMODB_SERVICE}
        order = graphlib.TopologicalSorter(
            {name: set(service.get("depends_on", {})) for name, service in self.services.items()}
        )
        order.prepare()
        while order.is_active():
            ready = order.get_ready()
            # Each wave starts side by side, as compose would; DynamoDB Local already runs.
            wave = [name for name in ready if name != DYNAMODB_SERVICE]
            with ThreadPoolExecutor(max_workers=max(len(wave), 1)) as pool:
                list(pool.map(self._bring_up, wave))
            order.done(*ready)

    def stop(self) -> None:
        """Remove every container and volume of this run, whatever state they are in."""
        containers = self.podman(
            "ps", "--all", "--quiet", "--filter", f"label={RUN_LABEL}={os.getpid()}", check=False
        ).stdout.split()
        if containers:
            self.podman("rm", "--force", "--time=0", *containers, check=False)
        if self.volumes:
            self.podman("volume", "rm", "--force", *self.volumes, check=False)
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def run_options(
        self, service: str, environment: Mapping[str, str], container: str | None = None
    ) -> list[str]:
        """podman run's options for a container of `service` (named `container`, by default the
        service's own), as compose would configure it."""
        declared = self.services[service]
        container = container or self.container(service)
        env_file = self.work_dir / f"{container}.env"
        # A file, not -e, keeps the secrets out of the process list.
        env_file.write_text("".join(f"{name}={value}\n" for name, value in environment.items()))
        options = [
            "--name", container, "--label", f"{RUN_LABEL}={os.getpid()}",
            "--network", NETWORK, "--env-file", str(env_file),
            # The tests run the image's HEALTHCHECK themselves; podman's timers need systemd.
            "--no-healthcheck",
        ]  # fmt: skip
        for volume in declared.get("volumes", []):
            source, _, target = volume.partition(":")
            host_side = (
                str((DOCKER_DIR / source).resolve()) if source.startswith(".") else f"{self.run_id}-{source}"
            )
            options += ["--volume", f"{host_side}:{target}"]
        if declared.get("read_only"):
            options.append("--read-only")
        for path in declared.get("tmpfs", []):
            options += ["--tmpfs", path]
        return options

    def environment(self, service: str) -> dict[str, str]:
        return container_environment(
            self.services[service].get("environment", {}), self.addresses, self.variables
        )

    def _one_shot(self, service: str) -> bool:
        return self.services[service].get("restart") == "no"

    def _bring_up(self, service: str) -> None:
        declared = self.services[service]
        options = self.run_options(service, self.environment(service))
        command = declared.get("command", [])
        if self._one_shot(service):
            result = self.podman(
                "run", *options, declared["image"], *command, check=False, timeout=ONE_SHOT_DEADLINE_SECONDS
            )
            assert result.returncode == 0, (
                f"{service} exited {result.returncode}:\n{result.stdout}{result.stderr}"
            )
            return
        self.podman(
            "run",
            "--detach",
            *options,
            "--publish",
            f"127.0.0.1:{self.host_ports[service]}:8000",
            declared["image"],
            *command,
        )
        self.running[service] = self.container(service)
        self._await_healthy(service, declared["healthcheck"]["test"])

    def _await_healthy(self, service: str, test: list[str]) -> None:
        deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
        while True:
            if self.exec_healthcheck(self.container(service), test).returncode == 0:
                return
            state = self.podman.inspect("container", self.container(service))["State"]
            if not state["Running"]:
                pytest.fail(
                    f"{service} exited {state['ExitCode']}:\n{self.podman.logs(self.container(service))}"
                )
            if time.monotonic() > deadline:
                logs = self.podman.logs(self.container(service))
                pytest.fail(f"{service} not healthy after {STARTUP_DEADLINE_SECONDS:.0f} s:\n{logs}")
            time.sleep(0.5)

    def exec_healthcheck(self, container: str, test: list[str]) -> subprocess.CompletedProcess[str]:
        """A compose or Dockerfile health check (`CMD …` or `CMD-SHELL …`), run inside `container`."""
        kind, *command = test
        argv = ["sh", "-c", command[0]] if kind == "CMD-SHELL" else command
        return self.podman("exec", container, *argv, check=False, timeout=30)


def remove_leftovers_of_dead_runs(podman: Podman) -> None:
    """Containers and volumes left by a run that was killed before it could clean up (its pid is
    gone)."""
    listings = (("container", ["ps", "--all"], "{{.Names}}"), ("volume", ["volume", "ls"], "{{.Name}}"))
    for kind, listing, name_field in listings:
        listed = podman(
            *listing,
            "--filter",
            f"label={RUN_LABEL}",
            "--format",
            f"{name_field} {{{{.Labels}}}}",
            check=False,
        )
        for line in listed.stdout.splitlines():
            name, _, labels = line.partition(" ")
            match = re.search(rf"{re.escape(RUN_LABEL)}:(\d+)", labels)
            if match and not Path(f"/proc/{match[1]}").exists():
                podman(kind, "rm", "--force", name, check=False)


@pytest.fixture(scope="session")
def podman() -> Podman:
    client = Podman()
    client("version")
    remove_leftovers_of_dead_runs(client)
    return client


_BUILT = pytest.StashKey[list[BuiltImage]]()


@pytest.fixture(scope="session")
def built_images(podman: Podman, request: pytest.FixtureRequest) -> dict[str, BuiltImage]:
    """Every image, built side by side where they share no layers (the layer cache makes a rebuild
    of unchanged code quick)."""
    missing = [base for base in ("python:3.11.14-slim-bookworm", "public.ecr.aws/lambda/python:3.11")
               if podman("image", "exists", base, check=False).returncode != 0]  # fmt: skip
    if missing:
        pytest.fail(f"no stand-in for {', '.join(missing)}: run scripts/build-base-images", pytrace=False)
    builds = image_builds()
    # Images of one Dockerfile share their first layers. Built side by side from nothing, each
    # would make its own copy of them, and later builds would find the cache split between the
    # copies; so the first of each Dockerfile goes alone, and the rest then reuse its layers.
    leaders = list({image.dockerfile: image for image in reversed(builds)}.values())
    followers = [image for image in builds if image not in leaders]
    built = []
    for wave in (leaders, followers):
        with ThreadPoolExecutor(max_workers=max(len(wave), 1)) as pool:
            built += pool.map(lambda image: build(podman, image), wave)
    request.config.stash[_BUILT] = built
    return {image.tag: image for image in built}


@pytest.fixture(scope="session")
def container_stack(
    podman: Podman, built_images: dict[str, BuiltImage], dynamodb_local: DynamoDBLocal
) -> Iterator[ContainerStack]:
    stack = ContainerStack(podman, dynamodb_endpoint_port=dynamodb_local.port)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    built = config.stash.get(_BUILT, None)
    if not built:
        return
    terminalreporter.section("image sizes")
    for image in sorted(built, key=lambda image: image.tag):
        terminalreporter.write_line(
            f"{image.tag:<28} {image.size_bytes / 1e6:7.1f} MB   built in {image.seconds:5.1f} s"
        )
