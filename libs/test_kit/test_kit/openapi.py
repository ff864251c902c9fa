"""A service's OpenAPI document: checked in beside the service, kept equal to the app's, and
compared with the version on the main branch for changes that would break a deployed consumer.

`python -m test_kit.openapi products_service cart_service …` rewrites each service's
`openapi.json` from its app (`make openapi`).

Breaking: a path or operation removed, a success response or one of its fields removed, a field's
type changed, a request field or parameter newly required. Allowed: anything added that nobody has
to send. A path may disappear when the same path with a higher version is served (`/internal/x` →
`/internal/v1/x`, `/internal/v1/x` → `/internal/v2/x`): that is how a breaking change is made.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

DOCUMENT_FILE = "openapi.json"
# Where the document a change is checked against comes from: `origin/main` (fetched when a CI
# clone of a branch lacks it), else the local `main`; on main itself, the commit before HEAD.
BASE_REF_VARIABLE = "SHOPSMART_OPENAPI_BASE"
REMOTE = "origin"
MAIN_BRANCH = "main"
REMOTE_MAIN = f"{REMOTE}/{MAIN_BRANCH}"
_VERSION = re.compile(r"/v(\d+)(?=/|$)")
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_JSON = "application/json"


def document_of(client: Any) -> dict[str, Any]:
    """The document the app serves at /openapi.json (`client`: its Flask test client)."""
    response = client.get(f"/{DOCUMENT_FILE}")
    assert response.status_code == 200, response.status_code
    return response.get_json()


def render(document: dict[str, Any]) -> str:
    """The checked-in form: sorted keys, two-space indent, a final newline, so diffs stay small."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def document_path(package: str) -> Path:
    """`services/<name>/openapi.json` of a service package (e.g. `products_service`)."""
    return Path(importlib.import_module(package).__file__).resolve().parents[1] / DOCUMENT_FILE


def _git(where: Path | str, *arguments: str) -> str | None:
    """git's output, stripped; None when git fails (or is missing)."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed git arguments
            ["git", "-C", str(where), *arguments],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def _commit(top: str, ref: str) -> str | None:
    return _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")


def in_ci() -> bool:
    """True on a CI runner (GitHub Actions and others set CI=true)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _default_base(top: str) -> str:
    """`origin/main`, fetched if this clone lacks it (a CI checkout of a branch); the local
    `main` where there is no such remote."""
    if _commit(top, REMOTE_MAIN) is None and _git(top, "remote", "get-url", REMOTE) is not None:
        refspec = f"+refs/heads/{MAIN_BRANCH}:refs/remotes/{REMOTE_MAIN}"
        _git(top, "fetch", "--quiet", "--depth=2", REMOTE, refspec)
    return REMOTE_MAIN if _commit(top, REMOTE_MAIN) is not None else MAIN_BRANCH


def base_document(path: Path) -> tuple[str, dict[str, Any]]:
    """(the base commit, its version of the document at `path`) to check a change against.

    The base is `SHOPSMART_OPENAPI_BASE`, else `origin/main` (fetched when missing), else `main`.
    On the base itself (CI on main) it is the commit before, never the file compared with
    itself. A base that cannot be found fails the test, loudly: it never skips in a git checkout
    or in CI. A document the base does not have yet is compared as empty (nothing to break).
    """
    top = _git(path.parent, "rev-parse", "--show-toplevel")
    if top is None:
        if in_ci():
            pytest.fail(f"{path} is not in a git checkout, so no base to check breaking changes against")
        pytest.skip(f"{path.parent.name} is not in a git checkout: no base to compare {path.name} with")
    ref = os.environ.get(BASE_REF_VARIABLE) or _default_base(top)
    commit = _commit(top, ref)
    if commit is None:
        pytest.fail(
            f"no {ref!r} to check {path.parent.name}/{path.name} against: fetch it ({BASE_REF_VARIABLE})"
        )
    if commit == _commit(top, "HEAD"):
        parent = _commit(top, f"{commit}^1")
        if parent is None and _git(top, "fetch", "--quiet", "--deepen=1", REMOTE) is not None:
            parent = _commit(top, f"{commit}^1")
        if parent is None:
            pytest.fail(f"HEAD is {ref!r} and its parent commit is not available to compare with")
        commit = parent
    relative = path.resolve().relative_to(Path(top).resolve()).as_posix()
    shown = _git(top, "show", f"{commit}:{relative}")
    return commit, json.loads(shown) if shown else {}


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every change from `old` to `new` that a consumer built against `old` could trip on."""
    found: list[str] = []
    old_paths, new_paths = old.get("paths", {}), new.get("paths", {})
    for path, old_item in old_paths.items():
        if path not in new_paths:
            if not _superseded(path, new_paths):
                found.append(f"{path}: the path was removed (serve it under a new version instead)")
            continue
        for method in _METHODS:
            if method not in old_item:
                continue
            where = f"{method.upper()} {path}"
            if method not in new_paths[path]:
                found.append(f"{where}: the operation was removed")
                continue
            found += _operation_changes(where, old, old_item[method], new, new_paths[path][method])
    return found


def _superseded(path: str, paths: dict[str, Any]) -> bool:
    """True when `paths` serves `path` under a higher version."""
    shape, version = _unversioned(path)
    return any(
        _unversioned(candidate)[0] == shape and _unversioned(candidate)[1] > version for candidate in paths
    )


def _unversioned(path: str) -> tuple[str, int]:
    match = _VERSION.search(path)
    if match is None:
        return path, 0
    return path[: match.start()] + path[match.end() :], int(match.group(1))


def _operation_changes(
    where: str, old: dict[str, Any], old_op: dict[str, Any], new: dict[str, Any], new_op: dict[str, Any]
) -> list[str]:
    found = []
    old_required = {(p["in"], p["name"]) for p in old_op.get("parameters", []) if p.get("required")}
    for parameter in new_op.get("parameters", []):
        key = (parameter["in"], parameter["name"])
        if parameter.get("required") and key not in old_required:
            found.append(f"{where}: the {parameter['in']} parameter {parameter['name']!r} is newly required")
    old_body, new_body = _body_schema(old_op.get("requestBody")), _body_schema(new_op.get("requestBody"))
    if new_body is not None:
        if new_op["requestBody"].get("required") and not (old_op.get("requestBody") or {}).get("required"):
            found.append(f"{where}: a request body is newly required")
        found += _walk(
            f"{where} request",
            "",
            old,
            _resolved(old, old_body or {}),
            new,
            _resolved(new, new_body),
            True,
            0,
        )
    for status, old_response in old_op.get("responses", {}).items():
        if not status.startswith("2"):
            continue
        new_response = new_op.get("responses", {}).get(status)
        if new_response is None:
            found.append(f"{where}: the {status} response was removed")
            continue
        old_schema, new_schema = _body_schema(old_response), _body_schema(new_response)
        if old_schema is not None:
            if new_schema is None:
                found.append(f"{where} {status} response: the body was removed")
            else:
                found += _walk(
                    f"{where} {status} response",
                    "",
                    old,
                    _resolved(old, old_schema),
                    new,
                    _resolved(new, new_schema),
                    False,
                    0,
                )
    return found


def _body_schema(part: dict[str, Any] | None) -> dict[str, Any] | None:
    if not part:
        return None
    return part.get("content", {}).get(_JSON, {}).get("schema")


def _resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 32:
        *_, name = schema["$ref"].split("/")
        schema = document.get("components", {}).get("schemas", {}).get(name, {})
        seen += 1
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            part = _resolved(document, part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return merged
    return schema


def _walk(
    where: str,
    field: str,
    old: dict[str, Any],
    old_schema: dict[str, Any],
    new: dict[str, Any],
    new_schema: dict[str, Any],
    request: bool,
    depth: int,
) -> Iterator[str]:
    label = f"{where}: {field or 'the body'}"
    old_type, new_type = old_schema.get("type"), new_schema.get("type")
    if old_type and new_type and old_type != new_type:
        yield f"{label} changed type from {old_type} to {new_type}"
        return
    if depth > 16:
        return
    if "items" in old_schema and "items" in new_schema:
        yield from _walk(
            where,
            f"{field}[]",
            old,
            _resolved(old, old_schema["items"]),
            new,
            _resolved(new, new_schema["items"]),
            request,
            depth + 1,
        )
    old_properties, new_properties = old_schema.get("properties", {}), new_schema.get("properties", {})
    if request:
        newly_required = set(new_schema.get("required", [])) - set(old_schema.get("required", []))
        for name in sorted(newly_required):
            yield f"{where}: {_join(field, name)} is newly required"
    for name, old_property in old_properties.items():
        if name not in new_properties:
            if not request:
                yield f"{where}: {_join(field, name)} was removed"
            continue
        yield from _walk(
            where,
            _join(field, name),
            old,
            _resolved(old, old_property),
            new,
            _resolved(new, new_properties[name]),
            request,
            depth + 1,
        )


def _join(field: str, name: str) -> str:
    return f"{field}.{name}" if field else name


def assert_checked_in_document_is_current(client: Any, path: Path) -> None:
    """Fail, saying how to fix it, when the app's document differs from the checked-in one."""
    served = document_of(client)
    checked_in = json.loads(path.read_text()) if path.is_file() else None
    assert checked_in == served, (
        f"{path.parent.name}/{path.name} is not the document the app serves: run `make openapi`, "
        "review the diff (and `make test-<service>` for breaking changes), then commit it"
    )


def assert_no_breaking_change(path: Path) -> None:
    """Fail naming each change to the checked-in document that breaks the base branch's version."""
    commit, base = base_document(path)
    changes = breaking_changes(base, json.loads(path.read_text()))
    assert not changes, (
        f"{path.parent.name}/{path.name} breaks its version at {commit[:12]}; serve the changed path "
        "under a new version (see the README's rule for changing an API):\n  - " + "\n  - ".join(changes)
    )


def write_documents(packages: Sequence[str]) -> list[Path]:
    """Rewrite each service package's `openapi.json` from its app; returns the files written."""
    written = []
    for package in packages:
        app = importlib.import_module(package).create_app({"TESTING": True, "EMIT_METRICS": False})
        path = document_path(package)
        path.write_text(render(document_of(app.test_client())))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rewrite services' openapi.json from their apps.")
    parser.add_argument("packages", nargs="+", help="service packages, e.g. products_service")
    args = parser.parse_args(argv)
    for path in write_documents(args.packages):
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
