"""Terraform, Dockerfiles and compose, read offline: parsed configuration and the tools that lint it.

No Terraform binary or AWS account is needed. The configuration is parsed with python-hcl2 and held
to the code's own truths (table specs, routes table, metric names, the DynamoDB calls the services
make). Checkov and hadolint are found next to this interpreter, in `.venv/checkov/`, on PATH, or
through `SHOPSMART_CHECKOV` / `SHOPSMART_HADOLINT`; a missing tool fails the test that needs it.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2.utils import SerializationOptions

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO_ROOT / "terraform"
MODULES_DIR = TERRAFORM_DIR / "modules"
PLATFORM_DIR = TERRAFORM_DIR / "platform"

# The tier's helpers beside this file (code_truths.py) are imported by the test modules.
sys.path.insert(0, str(Path(__file__).parent))

from code_truths import SERVICE_NAMES, SERVICES_DIR  # noqa: E402 - needs the path above

# Literal strings come back without their quotes; expressions and templates as "${...}".
_PARSE_OPTIONS = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)


def parse_tf(path: Path) -> dict[str, Any]:
    return hcl2.loads(path.read_text(), serialization_options=_PARSE_OPTIONS)


@dataclass
class TerraformDir:
    """One Terraform module or root: the blocks of all its .tf files."""

    path: Path
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> TerraformDir:
        return cls(path, {tf.name: parse_tf(tf) for tf in sorted(path.glob("*.tf"))})

    @property
    def name(self) -> str:
        return self.path.name

    def _blocks(self, kind: str) -> Iterator[dict[str, Any]]:
        for parsed in self.files.values():
            yield from parsed.get(kind, [])

    def _typed(self, kind: str) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for block in self._blocks(kind):
            for block_type, named in block.items():
                for name, body in named.items():
                    found[f"{block_type}.{name}"] = body
        return found

    @cached_property
    def resources(self) -> dict[str, dict[str, Any]]:
        """`{"aws_lb.this": body, ...}`."""
        return self._typed("resource")

    @cached_property
    def data(self) -> dict[str, dict[str, Any]]:
        """`{"aws_iam_policy_document.x": body, ...}` (without the `data.` prefix)."""
        return self._typed("data")

    def _named(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: body for block in self._blocks(kind) for name, body in block.items()}

    @cached_property
    def variables(self) -> dict[str, dict[str, Any]]:
        return self._named("variable")

    @cached_property
    def outputs(self) -> dict[str, dict[str, Any]]:
        return self._named("output")

    @cached_property
    def module_calls(self) -> dict[str, dict[str, Any]]:
        return self._named("module")

    @cached_property
    def locals(self) -> dict[str, Any]:
        return {name: value for block in self._blocks("locals") for name, value in block.items()}

    def module_source(self, call: str) -> Path:
        return (self.path / self.module_calls[call]["source"]).resolve()


@dataclass(frozen=True)
class Terraform:
    """Every module under terraform/modules, the platform root and each service's root."""

    modules: dict[str, TerraformDir]
    platform: TerraformDir
    services: dict[str, TerraformDir]

    @property
    def roots(self) -> list[TerraformDir]:
        return [self.platform, *self.services.values()]

    @property
    def all(self) -> list[TerraformDir]:
        return [*self.modules.values(), *self.roots]

    def called_module(self, root: TerraformDir, call: str) -> TerraformDir:
        source = root.module_source(call)
        return next(module for module in self.modules.values() if module.path == source)

    @staticmethod
    def strings(value: Any) -> Iterator[str]:
        """Every string in a parsed value, dictionary keys included."""
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from Terraform.strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from Terraform.strings(item)

    @staticmethod
    def expressions(value: Any) -> Iterator[str]:
        """The strings of a parsed value that hold Terraform expressions (`${...}`)."""
        return (text for text in Terraform.strings(value) if "${" in text)

    @staticmethod
    def reference(expression: str) -> str:
        """`"${local.x}"` → `local.x`: the single reference an argument is set to."""
        match = re.fullmatch(r"\$\{([^{}]+)\}", expression)
        assert match, f"expected a single reference, found {expression!r}"
        return match.group(1).strip()


@pytest.fixture(scope="session")
def terraform() -> Terraform:
    modules = {path.name: TerraformDir.load(path) for path in sorted(MODULES_DIR.iterdir()) if path.is_dir()}
    return Terraform(
        modules=modules,
        platform=TerraformDir.load(PLATFORM_DIR),
        services={name: TerraformDir.load(SERVICES_DIR / name) for name in SERVICE_NAMES},
    )


def find_tool(name: str, variable: str, *extra_dirs: Path) -> str:
    """A command-line tool: from its variable, beside this interpreter, in extra_dirs, or on PATH."""
    if os.environ.get(variable):
        return os.environ[variable]
    search = [Path(sys.executable).parent, *extra_dirs]
    for directory in search:
        candidate = shutil.which(name, path=str(directory))
        if candidate:
            return candidate
    found = shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} not found (looked in {', '.join(map(str, search))} and PATH; or set {variable}). "
            "Install requirements-infra.txt, and checkov from tests/infrastructure/requirements-checkov.txt "
            "into .venv/checkov."
        )
    return found


@pytest.fixture(scope="session")
def hadolint() -> str:
    return find_tool("hadolint", "SHOPSMART_HADOLINT")


@pytest.fixture(scope="session")
def checkov() -> str:
    return find_tool("checkov", "SHOPSMART_CHECKOV", REPO_ROOT / ".venv" / "checkov" / "bin")
