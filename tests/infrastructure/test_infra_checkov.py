"""Checkov over terraform/ and docker/, offline: no failed check that is not skipped with a reason.

Checkov runs once for this module (it takes ~15 s). Skips live in terraform/.checkov.yaml, each
with its reason as a comment on the same line.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKOV_CONFIG = REPO_ROOT / "terraform" / ".checkov.yaml"
SKIP_LINE = re.compile(r"^\s*-\s*(CKV\w+)\s*(?:#\s*(.*))?$")


def json_documents(text: str) -> list[dict[str, Any]]:
    """Checkov prints one JSON document per directory (an object, or a list of them)."""
    decoder = json.JSONDecoder()
    documents: list[dict[str, Any]] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        document, position = decoder.raw_decode(text, position)
        documents.extend(document if isinstance(document, list) else [document])
    return documents


@pytest.fixture(scope="module")
def checkov_reports(checkov: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """One report per framework, from a single offline run."""
    result = subprocess.run(
        [
            checkov,
            "--config-file",
            str(CHECKOV_CONFIG),
            "--directory",
            "terraform",
            "--directory",
            "docker",
            "--output",
            "json",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        # A bare environment: no platform API key from the developer's shell turns the run online.
        env={"PATH": str(Path(checkov).parent), "HOME": str(tmp_path_factory.mktemp("checkov-home"))},
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    reports = {document["check_type"]: document for document in json_documents(result.stdout)}
    assert set(reports) == {"terraform", "dockerfile"}, result.stderr[-3000:]
    return reports


@pytest.mark.parametrize("framework", ["terraform", "dockerfile"])
def test_checkov_reports_no_failed_check(checkov_reports, framework: str) -> None:
    report = checkov_reports[framework]
    failed = [
        f"{check['check_id']} {check['check_name']} — {check['file_path']}:{check['resource']}"
        for check in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 50


def test_checkov_scanned_every_module_and_dockerfile(checkov_reports) -> None:
    scanned = {check["file_path"] for check in checkov_reports["terraform"]["results"]["passed_checks"]}
    # Checkov has no check for Cognito user pools, API routes, or module compositions, so these
    # modules yield no result of their own.
    without_checks = {"identity", "http_api_routes", "shop_service"}
    for module in sorted((REPO_ROOT / "terraform" / "modules").iterdir()):
        if module.name not in without_checks:
            assert any(path.startswith(f"/modules/{module.name}/") for path in scanned), module.name
    assert any(path.startswith("/platform/") for path in scanned)
    dockerfiles = {check["file_path"] for check in checkov_reports["dockerfile"]["results"]["passed_checks"]}
    expected = {
        f"/{path.relative_to(REPO_ROOT / 'docker')}" for path in (REPO_ROOT / "docker").rglob("Dockerfile")
    }
    assert dockerfiles == expected


def test_every_skip_gives_its_reason() -> None:
    config = yaml.safe_load(CHECKOV_CONFIG.read_text())
    lines = [SKIP_LINE.match(line) for line in CHECKOV_CONFIG.read_text().splitlines()]
    reasons = {match.group(1): (match.group(2) or "") for match in lines if match}
    assert set(reasons) == set(config["skip-check"])
    for check_id, reason in reasons.items():
        assert len(reason.split()) >= 8, f"{check_id} is skipped without a reason"
    assert config["skip-download"] is True
