"""Shared caching of public answers: their Cache-Control, strong ETags, 304 to a matching
If-None-Match, and no-store whenever the request carries a credential."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_smorest import Blueprint

from service_kit.guests import GUEST_TOKEN_HEADER
from service_kit.http_cache import SharedCaching, body_etag, caching_headers

CACHING = SharedCaching(max_age=7, stale_while_revalidate=40)
PUBLIC = "public, max-age=7, stale-while-revalidate=40"


def catalogue_blueprint(state: dict[str, Any]) -> Blueprint:
    """Public reads whose content a test can change: one with its own ETag, one hashed."""
    blp = Blueprint("catalogue", __name__)

    @blp.route("/shelf/<name>")
    def shelf_item(name: str) -> Any:
        return {"name": name, "version": state["version"]}, caching_headers(CACHING, f'"{state["version"]}"')

    @blp.route("/shelf")
    def shelf() -> Any:
        return {"items": state["items"]}, caching_headers(CACHING)

    @blp.route("/private")
    def private() -> Any:
        return {"secret": "mine"}

    return blp


@pytest.fixture
def state() -> dict[str, Any]:
    return {"version": 3, "items": ["a", "b"]}


@pytest.fixture
def catalogue(make_app: Any, state: dict[str, Any]) -> Flask:
    app = make_app()
    app.register_blueprint(catalogue_blueprint(state))
    return app


def test_a_public_answer_says_how_long_shared_caches_may_keep_it(catalogue):
    response = catalogue.test_client().get("/shelf/x")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == PUBLIC
    assert response.headers["ETag"] == '"3"'


def test_a_matching_if_none_match_is_answered_304_without_a_body(catalogue):
    response = catalogue.test_client().get("/shelf/x", headers={"If-None-Match": '"3"'})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert "Content-Type" not in response.headers
    # A 304 carries what a cache needs to keep using its copy.
    assert response.headers["ETag"] == '"3"'
    assert response.headers["Cache-Control"] == PUBLIC


@pytest.mark.parametrize("sent", ['"1", "3"', 'W/"3"', "*"])
def test_if_none_match_is_compared_weakly_as_rfc_9110_says(catalogue, sent):
    assert catalogue.test_client().get("/shelf/x", headers={"If-None-Match": sent}).status_code == 304


def test_a_changed_answer_is_sent_whole_with_its_new_etag(catalogue, state):
    client = catalogue.test_client()
    state["version"] = 4
    response = client.get("/shelf/x", headers={"If-None-Match": '"3"'})
    assert response.status_code == 200
    assert response.get_json() == {"name": "x", "version": 4}
    assert response.headers["ETag"] == '"4"'


def test_head_is_revalidated_like_get(catalogue):
    assert catalogue.test_client().head("/shelf/x", headers={"If-None-Match": '"3"'}).status_code == 304


def test_a_public_answer_without_its_own_etag_gets_a_strong_one_from_its_body(catalogue, state):
    client = catalogue.test_client()
    first = client.get("/shelf")
    etag = first.headers["ETag"]
    assert etag == body_etag(first.get_data())
    assert not etag.startswith("W/")
    assert client.get("/shelf", headers={"If-None-Match": etag}).status_code == 304
    state["items"] = ["a", "b", "c"]
    changed = client.get("/shelf", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


@pytest.mark.parametrize("credential", ["Authorization", GUEST_TOKEN_HEADER])
def test_an_answer_to_a_request_with_a_credential_is_never_stored(catalogue, credential):
    response = catalogue.test_client().get("/shelf", headers={credential: "Bearer someone"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    # No ETag of a body the caller may not keep.
    assert "ETag" not in response.headers


def test_an_answer_that_chose_no_caching_gets_no_etag(catalogue):
    response = catalogue.test_client().get("/private")
    assert "ETag" not in response.headers
    assert "Cache-Control" not in response.headers


def test_errors_are_not_revalidated(catalogue):
    # An If-None-Match: * must not turn a 404 into a 304.
    assert catalogue.test_client().get("/nothing", headers={"If-None-Match": "*"}).status_code == 404


def test_lifetimes_are_never_negative():
    with pytest.raises(ValueError, match="negative"):
        SharedCaching(max_age=-1, stale_while_revalidate=0)
