"""Which document the breaking-change check compares with: `origin/main`, fetched when a CI clone
of a branch lacks it; on main, the commit before; and never a skip where it cannot find one."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from _pytest.outcomes import Failed, Skipped

from test_kit.openapi import BASE_REF_VARIABLE, assert_no_breaking_change

V1 = {"paths": {"/things": {"get": {"responses": {"200": {"description": "ok"}}}}}}
V2_BREAKING = {"paths": {}}


def git(where: Path, *arguments: str) -> str:
    done = subprocess.run(["git", "-C", str(where), *arguments], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit_document(repo: Path, document: dict, message: str) -> None:
    (repo / "svc").mkdir(exist_ok=True)
    (repo / "svc" / "openapi.json").write_text(json.dumps(document))
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", message)


@pytest.fixture(autouse=True)
def quiet_git(monkeypatch):
    for name in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(name, "test")
    for name in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(name, "test@example.invalid")
    for name in ("CI", BASE_REF_VARIABLE, "GIT_DIR", "GIT_WORK_TREE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A repository whose main has a document, and a branch `feature` that removes its path."""
    repo = tmp_path / "origin"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit_document(repo, V1, "v1")
    git(repo, "checkout", "--quiet", "-b", "feature")
    commit_document(repo, V2_BREAKING, "remove /things")
    git(repo, "checkout", "--quiet", "main")
    return repo


def test_a_ci_clone_of_a_branch_fetches_origin_main_and_finds_the_break(origin, tmp_path, monkeypatch):
    clone = tmp_path / "clone"
    git(
        tmp_path,
        "clone",
        "--quiet",
        "--single-branch",
        "--branch",
        "feature",
        "--depth=1",
        f"file://{origin}",
        str(clone),
    )
    monkeypatch.setenv("CI", "true")
    with pytest.raises(AssertionError, match="/things"):
        assert_no_breaking_change(clone / "svc" / "openapi.json")


def test_on_main_the_last_commit_is_compared_with_the_one_before(origin, monkeypatch):
    git(origin, "merge", "--quiet", "--ff-only", "feature")  # the break lands on main
    with pytest.raises(AssertionError, match="/things"):
        assert_no_breaking_change(origin / "svc" / "openapi.json")


def test_without_a_base_to_compare_with_it_fails_loudly_and_never_skips(tmp_path, monkeypatch):
    repo = tmp_path / "lonely"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=feature")
    commit_document(repo, V1, "v1")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(Failed, match="main"):
        assert_no_breaking_change(repo / "svc" / "openapi.json")


def test_outside_a_checkout_it_fails_in_ci_and_skips_only_elsewhere(tmp_path, monkeypatch):
    (tmp_path / "svc").mkdir()
    document = tmp_path / "svc" / "openapi.json"
    document.write_text(json.dumps(V1))
    with pytest.raises(Skipped):
        assert_no_breaking_change(document)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(Failed):
        assert_no_breaking_change(document)


def test_a_document_new_since_the_base_breaks_nothing(origin):
    git(origin, "checkout", "--quiet", "-b", "new-service")
    (origin / "svc2").mkdir()
    (origin / "svc2" / "openapi.json").write_text(json.dumps(V1))
    git(origin, "add", "-A")
    git(origin, "commit", "--quiet", "-m", "a new service")
    assert_no_breaking_change(origin / "svc2" / "openapi.json")
