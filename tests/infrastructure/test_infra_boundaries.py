"""The architecture's rule, read from the source: services never import each other, the libraries
import no service, and the gateway takes only the services' public routes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICE_PACKAGES = {"products": "products_service", "cart": "cart_service", "orders": "orders_service"}
LIBRARIES = ("dynamo_common", "service_kit", "devstack", "test_kit")


def imported_modules(folder: Path) -> dict[str, set[str]]:
    """Every module imported by the Python files under `folder` (tests included), by file."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        modules = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module)
        found[path.relative_to(folder).as_posix()] = modules
    return found


def _packages(modules: set[str]) -> set[str]:
    return {module.split(".")[0] for module in modules}


@pytest.mark.parametrize("service", sorted(SERVICE_PACKAGES))
def test_a_service_imports_no_other_service(service):
    others = set(SERVICE_PACKAGES.values()) - {SERVICE_PACKAGES[service]} | {"gateway"}
    crossings = {
        path: sorted(_packages(modules) & others)
        for path, modules in imported_modules(REPO_ROOT / "services" / service).items()
        if _packages(modules) & others
    }
    assert crossings == {}


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_library_imports_no_service(library):
    services = {*SERVICE_PACKAGES.values(), "gateway"}
    crossings = {
        path: sorted(_packages(modules) & services)
        for path, modules in imported_modules(REPO_ROOT / "libs" / library).items()
        if _packages(modules) & services
    }
    assert crossings == {}


def test_the_gateway_takes_only_the_services_public_routes():
    allowed = {f"{package}.routes" for package in SERVICE_PACKAGES.values()}
    used = {
        module
        for modules in imported_modules(REPO_ROOT / "services" / "gateway" / "gateway").values()
        for module in modules
        if module.split(".")[0] in SERVICE_PACKAGES.values()
    }
    assert used == allowed


def test_the_scan_sees_every_absolute_import(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("import x.y, v\nfrom z.w import q\nfrom . import local\n")
    assert imported_modules(tmp_path) == {"pkg/a.py": {"x.y", "v", "z.w"}}
    assert _packages({"x.y", "z.w"}) == {"x", "z"}


def module_graph(package_dir: Path) -> dict[str, set[str]]:
    """The package's own modules → the package modules each imports, type-only imports included
    (`from pkg import mod` counts as importing `pkg.mod` when `mod` is a module)."""
    package = package_dir.name
    modules = {
        ".".join((package, *path.relative_to(package_dir).with_suffix("").parts)).removesuffix(".__init__")
        for path in package_dir.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for path in sorted(package_dir.rglob("*.py")):
        name = ".".join((package, *path.relative_to(package_dir).with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets |= {f"{node.module}.{alias.name}" for alias in node.names} & modules or {node.module}
        graph[name] = (targets & modules) - {name}
    return graph


def import_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of imports in `graph` (its modules in order, the first repeated last), or []."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> list[str]:
        if module in visiting:
            return [*visiting[visiting.index(module) :], module]
        if module in done:
            return []
        visiting.append(module)
        for target in sorted(graph.get(module, ())):
            if cycle := visit(target):
                return cycle
        visiting.pop()
        done.add(module)
        return []

    for module in sorted(graph):
        if cycle := visit(module):
            return cycle
    return []


PACKAGE_DIRS = [
    *(REPO_ROOT / "services" / service / package for service, package in SERVICE_PACKAGES.items()),
    *(REPO_ROOT / "libs" / library / library for library in ("dynamo_common", "service_kit")),
]


@pytest.mark.parametrize("package_dir", PACKAGE_DIRS, ids=lambda path: path.name)
def test_imports_inside_a_package_run_one_way(package_dir):
    """Each rule has one home: two modules never import each other, not even for type hints."""
    graph = module_graph(package_dir)
    assert graph, f"no modules found in {package_dir}"
    assert import_cycle(graph) == []


def test_the_cycle_check_finds_a_two_file_circle_and_a_type_only_one(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "rules.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.store import Store\n"
    )
    (package / "store.py").write_text("from pkg import rules\n")
    (package / "leaf.py").write_text("import pkg.store\n")
    cycle = import_cycle(module_graph(package))
    assert cycle[0] == cycle[-1] and sorted(cycle[:-1]) == ["pkg.rules", "pkg.store"], cycle
    (package / "store.py").write_text("")
    assert import_cycle(module_graph(package)) == []
