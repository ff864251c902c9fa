"""`/config.json`: the web shop's sign-in settings, as the deployment wrote them, and a page policy
that lets the page talk to that provider and nowhere else."""

from __future__ import annotations

import json

import pytest

from gateway.web_config import WebConfigError

COGNITO = {
    "authority": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123",
    "client_id": "4d5e6f-web",
    "redirect_uri": "https://shop.example.com/",
    "post_logout_redirect_uri": "https://shop.example.com/",
    "scope": "openid email profile",
    "logout_endpoint": "https://shopsmart-prod.auth.eu-west-1.amazoncognito.com/logout",
}


def test_the_document_is_served_as_written(make_app):
    client = make_app(WEB_CONFIG=json.dumps(COGNITO)).test_client()
    response = client.get("/config.json")

    assert response.status_code == 200
    assert response.json == COGNITO
    assert "no-cache" in response.headers["Cache-Control"]


def test_the_environment_variable_is_read_as_json(make_app, monkeypatch):
    monkeypatch.setenv("SHOPSMART_WEB_CONFIG", json.dumps(COGNITO))
    assert make_app().test_client().get("/config.json").json == COGNITO


def test_without_a_document_sign_in_is_404_not_the_page(make_app, expect_problem):
    body = expect_problem(make_app().test_client().get("/config.json"), 404)
    assert "SHOPSMART_WEB_CONFIG" in body["detail"]


def test_the_page_may_talk_to_the_provider_and_no_one_else(make_app):
    page = make_app(WEB_CONFIG=COGNITO).test_client().get("/", buffered=True)
    policy = page.headers["Content-Security-Policy"]

    connect = next(part for part in policy.split("; ") if part.startswith("connect-src"))
    assert connect.split() == [
        "connect-src",
        "'self'",
        "https://cognito-idp.eu-west-1.amazonaws.com",
        "https://shopsmart-prod.auth.eu-west-1.amazoncognito.com",
    ]
    assert "default-src 'self'" in policy


def test_without_a_provider_the_page_talks_to_itself_only(make_app):
    policy = make_app().test_client().get("/", buffered=True).headers["Content-Security-Policy"]
    assert "connect-src 'self';" in policy + ";"


@pytest.mark.parametrize(
    "change",
    [
        {"client_id": ""},
        {"authority": None},
        {"redirect_uri": "javascript:alert(1)"},
        {"logout_endpoint": "ftp://elsewhere/"},
        {"surprise": "field"},
    ],
    ids=["empty-client", "no-authority", "script-redirect", "odd-logout", "unknown-field"],
)
def test_a_malformed_document_stops_the_gateway_at_startup(make_app, change):
    document = {name: value for name, value in {**COGNITO, **change}.items() if value is not None}
    with pytest.raises(WebConfigError):
        make_app(WEB_CONFIG=document)
