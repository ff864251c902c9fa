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
