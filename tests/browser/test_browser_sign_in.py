"""Signing in through the shop's OpenID provider (the local one `make run` starts, playing
Cognito): authorization code + PKCE by oidc-client-ts, tokens shaped as Cognito's, a refresh before
the access token expires, and signing out that ends the provider's session too."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page, Request, expect

STORED_USER = "Object.entries(sessionStorage).find(([key]) => key.startsWith('oidc.user:'))?.[1] ?? null"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def stored_user(page: Page) -> dict[str, Any] | None:
    """What oidc-client-ts keeps for the signed-in user (its default store: this tab's sessionStorage)."""
    stored = page.evaluate(STORED_USER)
    return json.loads(stored) if stored else None


def bearer_of(request: Request) -> str:
    return request.headers.get("authorization", "").removeprefix("Bearer ")


def test_the_demo_shopper_signs_in_with_one_click_and_comes_back_where_they_were(shop, page, stack_variables):
    page.goto("/#/orders")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_test_id("sign-in").click()
    expect(page).to_have_title(re.compile("^Sign in"))
    assert urlsplit(page.url).netloc != urlsplit(shop.base_url).netloc, "the provider's own page"
    with page.expect_request(lambda request: urlsplit(request.url).path == "/orders") as orders:
        page.get_by_role("button", name="Sign in as demo shopper").click()
    expect(page.get_by_test_id("signed-in-user")).to_have_text("demo-shopper")
    expect(page).to_have_url(re.compile(r"^[^?]*#/orders$"))  # the code and state are gone

    access = claims(bearer_of(orders.value))
    assert access["iss"] == stack_variables["SHOPSMART_JWT_ISSUER"]
    assert (access["token_use"], access["client_id"]) == ("access", "shopsmart")
    assert access["username"] == "demo-shopper"
    assert access["cognito:groups"] == []
    identity = claims(stored_user(page)["id_token"])
    assert (identity["token_use"], identity["aud"], identity["sub"]) == ("id", "shopsmart", "demo-shopper")
    assert page.evaluate("Object.keys(localStorage).filter((key) => key.startsWith('oidc.'))") == []


def test_the_demo_admin_signs_in_with_one_click(shop, page):
    page.goto("/")
    page.get_by_test_id("sign-in").click()
    page.get_by_role("button", name="Sign in as demo admin").click()
    expect(page.get_by_test_id("signed-in-user")).to_have_text("demo-admin")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin")).to_be_visible()


def test_the_session_is_refreshed_before_the_access_token_expires(shop, page, signed_in):
    shopper = unique("refresh")
    page.goto("/")
    signed_in(page, shopper)
    first = stored_user(page)
    assert first["refresh_token"], "the provider issued a refresh token"

    def is_refresh(request: Request) -> bool:
        return urlsplit(request.url).path == "/token" and "grant_type=refresh_token" in (
            request.post_data or ""
        )

    with page.expect_request(is_refresh, timeout=45_000):
        pass  # the page renews by itself, a minute before expiry
    assert time.time() < first["expires_at"], "renewed before the access token expired"
    page.wait_for_function(
        f"(old) => {{ const user = {STORED_USER}; return user && JSON.parse(user).access_token !== old; }}",
        arg=first["access_token"],
    )
    renewed = stored_user(page)
    assert claims(renewed["access_token"])["exp"] > claims(first["access_token"])["exp"]
    expect(page.get_by_test_id("signed-in-user")).to_have_text(shopper)

    # The page's next call carries the new token, and the services accept it.
    with page.expect_response(lambda response: urlsplit(response.url).path == "/cart") as cart:
        page.get_by_test_id("cart-link").click()
    assert bearer_of(cart.value.request) == renewed["access_token"]
    assert cart.value.status == 200


def test_signing_out_ends_the_providers_session(shop, page, signed_in):
    shopper = unique("leaver")
    page.goto("/")
    signed_in(page, shopper)
    # While the provider's session lasts, another tab signs in without being asked who it is...
    other = page.context.new_page()
    other.goto("/")
    other.get_by_test_id("sign-in").click()
    expect(other.get_by_test_id("signed-in-user")).to_have_text(shopper)
    other.close()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_test_id("sign-in")).to_be_visible()
    assert urlsplit(page.url).netloc == urlsplit(shop.base_url).netloc, "back in the shop"
    assert stored_user(page) is None

    # ...and once signed out, the provider asks again.
    page.get_by_test_id("sign-in").click()
    expect(page).to_have_title(re.compile("^Sign in"))
    expect(page.get_by_label("User name")).to_be_visible()
