"""The images and the compose stack: hadolint-clean Dockerfiles built the same way, a compose file
that runs the whole shop on DynamoDB Local with a health check on every long-running service."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKER_DIR = REPO_ROOT / "docker"
SERVICES = {"products": "products_service", "cart": "cart_service", "orders": "orders_service"}
# The three services share one recipe, built with SERVICE=<name>; the gateway has its own.
SERVICE_DOCKERFILE = DOCKER_DIR / "service" / "Dockerfile"
IMAGE_DOCKERFILES = {
    **dict.fromkeys(SERVICES, SERVICE_DOCKERFILE),
    "gateway": DOCKER_DIR / "gateway" / "Dockerfile",
}
DOCKERFILES = sorted(DOCKER_DIR.rglob("Dockerfile"))
PIN = re.compile(r"^([A-Za-z0-9_.\[\]-]+)==(\S+)$")


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile.read_text())
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            result.append((keyword.upper(), arguments.strip()))
    return result


def final_stage(dockerfile: Path) -> list[tuple[str, str]]:
    steps = instructions(dockerfile)
    last_from = max(index for index, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            found[re.sub(r"\[.*\]", "", match.group(1)).lower().replace("_", "-")] = match.group(2)
    return found


def test_hadolint_passes_on_every_dockerfile(hadolint: str) -> None:
    assert {path.parent.name for path in DOCKERFILES} == {"service", "gateway", "lambda"}
    result = subprocess.run(
        [hadolint, "--no-color", *map(str, DOCKERFILES)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("image", sorted(IMAGE_DOCKERFILES))
def test_each_image_is_slim_non_root_healthy_and_runs_gunicorn(image: str) -> None:
    dockerfile = IMAGE_DOCKERFILES[image]
    steps = instructions(dockerfile)
    stage = final_stage(dockerfile)
    bases = [arguments for keyword, arguments in steps if keyword == "FROM"]
    for base in bases:
        assert re.match(r"python:3\.11\.\d+-slim-\w+", base), base
    users = [arguments for keyword, arguments in stage if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert any(keyword == "HEALTHCHECK" and "/health/live" in arguments for keyword, arguments in stage)
    (command,) = [arguments for keyword, arguments in stage if keyword == "CMD"]
    if image in SERVICES:
        # The app is `<SERVICE>_service:create_app()`, which must name this service's package.
        environment = " ".join(arguments for keyword, arguments in stage if keyword == "ENV")
        assert 'WSGI_APP="${SERVICE}_service:create_app()"' in environment
        assert f"{image}_service" == SERVICES[image]
        assert "exec gunicorn --bind 0.0.0.0:8000" in command and "$WSGI_APP" in command
    else:
        assert command.startswith('["gunicorn"')
        assert '"gateway:create_app()"' in command
        assert '"0.0.0.0:8000"' in command
    assert any(keyword == "EXPOSE" and arguments == "8000" for keyword, arguments in stage)


def test_the_service_recipe_installs_its_pinned_requirements_then_the_packages() -> None:
    service = "${SERVICE}"
    steps = instructions(SERVICE_DOCKERFILE)
    copies = [
        arguments.split()[0]
        for keyword, arguments in steps
        if keyword == "COPY" and "--from" not in arguments
    ]
    assert {"libs/dynamo_common", "libs/service_kit", f"services/{service}"} <= set(copies)
    assert not any(source.startswith("services/") and service not in source for source in copies)
    runs = [arguments for keyword, arguments in steps if keyword == "RUN"]
    requirements = next(
        index for index, run in enumerate(runs) if f"-r services/{service}/requirements.txt" in run
    )
    packages = next(index for index, run in enumerate(runs) if f"./services/{service}" in run)
    assert requirements < packages
    assert "-c docker/constraints.txt" in runs[requirements]
    assert "--no-deps" in runs[packages]


def test_the_constraints_agree_with_every_pinned_requirement() -> None:
    constraints = pins(DOCKER_DIR / "constraints.txt")
    for requirements in [
        *REPO_ROOT.glob("services/*/requirements.txt"),
        REPO_ROOT / "requirements-infra.txt",
    ]:
        for package, version in pins(requirements).items():
            if package in constraints:
                assert constraints[package] == version, f"{requirements}: {package}"
    for service in SERVICES:
        assert set(pins(REPO_ROOT / "services" / service / "requirements.txt")) <= set(constraints)


def test_the_lambda_image_wraps_a_service_with_apig_wsgi() -> None:
    steps = instructions(DOCKER_DIR / "lambda" / "Dockerfile")
    assert steps[0] == ("FROM", "public.ecr.aws/lambda/python:3.11")
    assert ("CMD", '["lambda_handler.handler"]') in steps
    installs = " ".join(arguments for keyword, arguments in steps if keyword == "RUN")
    apig_wsgi = pins(REPO_ROOT / "requirements-infra.txt")["apig-wsgi"]
    assert f"apig-wsgi=={apig_wsgi}" in installs
    assert "SHOPSMART_SERVICE_MODULE=${SERVICE}_service" in " ".join(arguments for _, arguments in steps)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER_DIR / "compose.yaml").read_text())


def test_compose_runs_the_shop_on_dynamodb_local(compose) -> None:
    services = compose["services"]
    assert {"dynamodb", "products", "cart", "orders", "gateway"} <= set(services)
    image, _, tag = services["dynamodb"]["image"].partition(":")
    assert image == "amazon/dynamodb-local" and tag and tag != "latest"
    for name in (*SERVICES, "gateway"):
        build = services[name].get("build")
        if build:
            assert (DOCKER_DIR / build["context"] / build["dockerfile"]).is_file()
        assert services[name]["environment"]["AWS_ENDPOINT_URL_DYNAMODB"] == "http://dynamodb:8000"
    for name in SERVICES:
        assert services[name]["build"]["dockerfile"] == "docker/service/Dockerfile"
        assert services[name]["build"]["args"] == {"SERVICE": name}
    # The gateway is built once, by stack-init, from its own Dockerfile.
    assert services["stack-init"]["build"]["dockerfile"] == "docker/gateway/Dockerfile"
    assert services["gateway"]["image"] == services["stack-init"]["image"]
    assert services["gateway"]["ports"]


def test_every_long_running_service_has_a_health_check(compose) -> None:
    for name, service in compose["services"].items():
        if service.get("restart") == "no":
            continue
        test = service["healthcheck"]["test"]
        assert test and test[0] in {"CMD", "CMD-SHELL"}, name


def test_one_shot_jobs_are_awaited_and_dependencies_exist(compose) -> None:
    services = compose["services"]
    one_shots = {name for name, service in services.items() if service.get("restart") == "no"}
    assert one_shots == {"stack-init", "seed"}
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, (name, dependency)
            expected = "service_completed_successfully" if dependency in one_shots else "service_healthy"
            assert condition["condition"] == expected, (name, dependency)
    assert (DOCKER_DIR / "stack_init.py").is_file()


def test_services_call_their_peers_by_compose_name(compose) -> None:
    environment = compose["services"]["orders"]["environment"]
    assert environment["SHOPSMART_PRODUCTS_URL"] == "http://products:8000"
    assert environment["SHOPSMART_CART_URL"] == "http://cart:8000"
