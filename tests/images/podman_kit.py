"""Podman for the tiers that run the images: the images tier (compose's services) and the deploy tier
(the registered task definitions, as ECS would run them). One definition of how an image is built,
how a container's health check runs and how a run's leftovers are found.

Each image built here carries a label with the fingerprint of what it is built from (its build
context's files and its base image): a tier that needs the images reuses those whose label matches
the checkout (`make test` builds them once, in the images tier, and the deploy tier finds them),
and builds the others.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import subprocess
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKER_DIR = REPO_ROOT / "docker"
COMPOSE_FILE = DOCKER_DIR / "compose.yaml"
CONTAINERS_CONF = DOCKER_DIR / "podman" / "containers.conf"
# Every service's function image: the images tier invokes the products one, and the deploy tier
# runs all three as Lambda would run what its functions' configurations name (tests/deploy).
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
SOURCE_LABEL = "org.shopsmart.source"
BUILD_DEADLINE_SECONDS = 1200.0
HEALTH_POLL_SECONDS = 0.5
# What the Dockerfiles copy from the repository (the build context is the repository's root).
BUILD_INPUTS = ("docker", "libs", "services", "frontend")
# Written by tools, never read by a Dockerfile's build: left out of the fingerprint.
NOT_INPUTS = re.compile(r"(^|/)(__pycache__|[^/]+\.egg-info|\.pytest_cache|\.ruff_cache|node_modules)(/|$)")


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

    def exec_healthcheck(self, container: str, test: list[str]) -> subprocess.CompletedProcess[str]:
        """A health check (`CMD …` or `CMD-SHELL …`, as Docker, compose and ECS write it), run inside
        `container` as the engine runs it."""
        kind, *command = test
        argv = ["sh", "-c", command[0]] if kind == "CMD-SHELL" else command
        return self("exec", container, *argv, check=False, timeout=30)

    def await_healthy(self, container: str, test: list[str], deadline_seconds: float) -> None:
        """Run the health check inside the container until it passes; fail (with the container's
        log) if the container exits or the deadline passes first."""
        deadline = time.monotonic() + deadline_seconds
        while True:
            if self.exec_healthcheck(container, test).returncode == 0:
                return
            state = self.inspect("container", container)["State"]
            if not state["Running"]:
                raise PodmanFailed(f"{container} exited {state['ExitCode']}:\n{self.logs(container)}")
            if time.monotonic() > deadline:
                raise PodmanFailed(
                    f"{container} not healthy after {deadline_seconds:.0f} s:\n{self.logs(container)}"
                )
            time.sleep(HEALTH_POLL_SECONDS)

    def remove_run(self, pid: int) -> None:
        """Remove every container of the run labelled with `pid`, whatever state it is in."""
        containers = self(
            "ps", "--all", "--quiet", "--filter", f"label={RUN_LABEL}={pid}", check=False
        ).stdout.split()
        if containers:
            self("rm", "--force", "--time=0", *containers, check=False)


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
    image_id: str = ""


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


def _base_image(dockerfile: str) -> str:
    """The image the Dockerfile's first stage starts from."""
    text = (REPO_ROOT / dockerfile).read_text()
    return re.search(r"^FROM\s+(\S+)", text, re.MULTILINE)[1]


@functools.cache
def _context_digest() -> str:
    """Every file of the build context the Dockerfiles may copy, by path and content (read once a
    run: the checkout does not change under a test run)."""
    digest = hashlib.sha256()
    for top in BUILD_INPUTS:
        for path in sorted((REPO_ROOT / top).rglob("*")):
            relative = path.relative_to(REPO_ROOT).as_posix()
            if path.is_file() and not NOT_INPUTS.search(relative):
                digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def source_fingerprint(podman: Podman, image: ImageBuild) -> str:
    """What an image is built from: the build context's files, its Dockerfile and arguments, and
    the base image's id. Two builds with the same fingerprint make the same image."""
    digest = hashlib.sha256(_context_digest().encode())
    digest.update(json.dumps([image.dockerfile, sorted(image.args.items())]).encode())
    digest.update(podman.inspect("image", _base_image(image.dockerfile))["Id"].encode())
    return digest.hexdigest()


def build(podman: Podman, image: ImageBuild, fingerprint: str | None = None) -> BuiltImage:
    started = time.monotonic()
    fingerprint = fingerprint or source_fingerprint(podman, image)
    build_args = [f"--build-arg={name}={value}" for name, value in image.args.items()]
    # The host's network for RUN steps (pip reaches PyPI); podman passes the host's proxy
    # variables, if any, to them by default, and the base image trusts the host's CA bundle.
    podman(
        "build", "--pull=never", "--network=host", "--format=docker", "--layers",
        "--label", f"{SOURCE_LABEL}={fingerprint}",
        "-f", image.dockerfile, *build_args, "-t", image.tag, str(REPO_ROOT),
        timeout=BUILD_DEADLINE_SECONDS,
    )  # fmt: skip
    built = podman.inspect("image", image.tag)
    return BuiltImage(image.tag, int(built["Size"]), time.monotonic() - started, built["Id"])


def build_all(podman: Podman, builds: list[ImageBuild]) -> list[BuiltImage]:
    """Build the images side by side where they share no layers (the layer cache makes a rebuild of
    unchanged code quick)."""
    # Images of one Dockerfile share their first layers. Built side by side from nothing, each
    # would make its own copy of them, and later builds would find the cache split between the
    # copies; so the first of each Dockerfile goes alone, and the rest then reuse its layers.
    leaders = list({image.dockerfile: image for image in reversed(builds)}.values())
    followers = [image for image in builds if image not in leaders]
    built = []
    for wave in (leaders, followers):
        with ThreadPoolExecutor(max_workers=max(len(wave), 1)) as pool:
            built += pool.map(lambda image: build(podman, image), wave)
    return built


def current_images(podman: Podman, builds: Iterable[ImageBuild]) -> dict[str, BuiltImage]:
    """The images of this checkout, by tag: those already built from exactly these sources are
    reused (by id, so a later build of the same tag from other sources cannot swap them), the
    others are built now."""
    builds = list(builds)
    found: dict[str, BuiltImage] = {}
    for image in builds:
        if podman("image", "exists", image.tag, check=False).returncode != 0:
            continue
        existing = podman.inspect("image", image.tag)
        labels = existing.get("Config", {}).get("Labels") or {}
        if labels.get(SOURCE_LABEL) == source_fingerprint(podman, image):
            found[image.tag] = BuiltImage(image.tag, int(existing["Size"]), 0.0, existing["Id"])
    missing = [image for image in builds if image.tag not in found]
    found.update({image.tag: image for image in build_all(podman, missing)} if missing else {})
    return found


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
