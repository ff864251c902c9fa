"""The products service's API document, public and internal: the checked-in openapi.json is what
the app serves, and it breaks nothing that a consumer of the version on the main branch relies on."""

from __future__ import annotations

from pathlib import Path

from test_kit.openapi import DOCUMENT_FILE, assert_checked_in_document_is_current, assert_no_breaking_change

DOCUMENT = Path(__file__).resolve().parents[1] / DOCUMENT_FILE


def test_the_checked_in_document_is_the_apps(client):
    assert_checked_in_document_is_current(client, DOCUMENT)


def test_no_breaking_change_against_the_main_branch():
    assert_no_breaking_change(DOCUMENT)
