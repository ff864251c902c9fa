"""The browser tier: the web shop in a real Chromium (Debian's package) driven by Playwright, against
the whole stack (DynamoDB Local, products, cart, orders and the gateway under gunicorn).

One browser per session and a fresh context (own storage, so own sign-in) per page a test opens.
Every test makes its own users and products, in a category of its own, through the API with an
admin token; the seeded catalogue plays no part. Each page a test looks at is saved as a screenshot
under test-artifacts/browser/<test>/, and every open page is saved there again when a test fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Error, Page, expect, sync_playwright

from devstack.keys import DevKeys, mint_token
from devstack.local_cognito import LocalCognito

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
ENSURE_CHROMIUM = REPO_ROOT / "scripts" / "ensure-chromium"
# This machine refuses outside connections: nothing in the browser may try to phone home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
ACTION_TIMEOUT_MS = 15_000
API_TIMEOUT = 20  # seconds
ADMIN_GROUP = "admin"
SHOP_IMAGE = "/images/products/books-atlas-of-the-world.svg"  # shipped in frontend/
# The page renews a minute before expiry (oidc-client-ts's default), so 15 s after signing in.
ACCESS_TOKEN_TTL_SECONDS = 75

expect.set_options(timeout=ACTION_TIMEOUT_MS)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
    if os.access(configured, os.X_OK):
        return configured
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The system Chromium; when missing, scripts/ensure-chromium installs it (as root)."""
    path = _chromium_path()
    if path is None:
        result = subprocess.run(
            ["bash", str(ENSURE_CHROMIUM)], capture_output=True, text=True, check=False, timeout=600
        )
        path = _chromium_path()
        if path is None:
            pytest.fail(f"No Chromium for the browser tests.\n{result.stdout}{result.stderr}", pytrace=False)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ShopApi:
    """The running stack through the gateway, as the tests arrange and audit it."""

    def __init__(self, base_url: str, auth_headers: Callable[..., dict[str, str]]):
        self.base_url = base_url
        self._auth_headers = auth_headers
        self._http = requests.Session()
        self._admin = auth_headers(unique("seeder"), groups=[ADMIN_GROUP])

    def _call(self, method: str, path: str, expected: int, **kwargs: Any) -> Any:
        response = self._http.request(method, self.base_url + path, timeout=API_TIMEOUT, **kwargs)
        assert response.status_code == expected, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def create_product(
        self, category: str, name: str, *, stock: int, price: str = "9.99", image_url: str | None = None
    ) -> dict[str, Any]:
        body = {"name": name, "price": price, "category": category, "inventory_count": stock}
        if image_url:
            body["image_url"] = image_url
        return self._call("POST", "/products", 201, json=body, headers=self._admin)

    def create_products(
        self, category: str, label: str, count: int, *, stock: int
    ) -> dict[str, dict[str, Any]]:
        """`count` products named "<label> 01 <tag>"…, each priced differently and pictured with one
        of the shop's own images; by name."""
        tag = uuid.uuid4().hex[:6]
        products = [
            self.create_product(
                category, f"{label} {n:02d} {tag}", stock=stock, price=f"{n}.25", image_url=SHOP_IMAGE
            )
            for n in range(1, count + 1)
        ]
        return {product["name"]: product for product in products}

    def reprice(self, product_id: str, price: str) -> dict[str, Any]:
        """Change a product's price, as an admin would."""
        headers = {**self._admin, "If-Match": "*"}  # whatever version it is at
        return self._call("PATCH", f"/products/{product_id}", 200, json={"price": price}, headers=headers)

    def split_stock(self, product_id: str, shards: int) -> dict[str, Any]:
        """Split a product's stock over `shards` items, as an admin marks a product hot."""
        body = {"shards": shards}
        return self._call("PUT", f"/products/{product_id}/stock-shards", 200, json=body, headers=self._admin)

    def stock(self, product_id: str) -> int:
        return self._call("GET", f"/products/{product_id}", 200)["inventory_count"]

    def add_to_cart(self, user_id: str, product_id: str, quantity: int) -> None:
        body = {"product_id": product_id, "quantity": quantity}
        response = self._http.post(
            f"{self.base_url}/cart/items", json=body, headers=self._auth_headers(user_id), timeout=API_TIMEOUT
        )
        assert response.status_code in (200, 201), response.text

    def guest_cart(self, lines: dict[str, int]) -> str:
        """A guest's cart holding `lines` ({product_id: quantity}); the guest token that owns it."""
        token = self._call("POST", "/cart/guest", 201)["guest_token"]
        for product_id, quantity in lines.items():
            body = {"product_id": product_id, "quantity": quantity}
            self._call("POST", "/cart/items", 200, json=body, headers={"X-Guest-Token": token})
        return token

    def checkout(self, user_id: str) -> dict[str, Any]:
        version = self._call("GET", "/cart", 200, headers=self._auth_headers(user_id))["version"]
        headers = {**self._auth_headers(user_id), "Idempotency-Key": uuid.uuid4().hex}
        return self._call("POST", "/orders", 201, headers=headers, json={"cart_version": version})

    def orders_of(self, user_id: str) -> list[dict[str, Any]]:
        return self._call("GET", "/orders?limit=100", 200, headers=self._auth_headers(user_id))["items"]

    def cart_of(self, user_id: str) -> dict[str, int]:
        cart = self._call("GET", "/cart", 200, headers=self._auth_headers(user_id))
        return {item["product_id"]: item["quantity"] for item in cart["items"]}


@pytest.fixture(scope="session")
def sign_in_provider(
    signing_keys: DevKeys, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], LocalCognito]:
    """The browser tier signs in through the local OpenID provider, as `make run` does. Its access
    tokens live ACCESS_TOKEN_TTL_SECONDS, so the page refreshes them within a test's time."""
    directory = tmp_path_factory.mktemp("sign-in")

    def start(shop_url: str) -> LocalCognito:
        provider = LocalCognito(
            keys=signing_keys,
            shop_urls=[shop_url],
            log_path=directory / "sign-in.log",
            settings_path=directory / "settings.json",
            access_token_ttl_seconds=ACCESS_TOKEN_TTL_SECONDS,
            cwd=REPO_ROOT,
        )
        provider.start()
        return provider

    return start


@pytest.fixture(scope="session")
def auth_headers(signing_keys: DevKeys, stack_variables: dict[str, str]) -> Callable[..., dict[str, str]]:
    """Tokens for arranging and auditing through the API, from the provider's issuer and key."""
    issuer = stack_variables["SHOPSMART_JWT_ISSUER"]

    def headers(user_id: str, groups: Iterable[str] = (), ttl: int = 3600) -> dict[str, str]:
        token = mint_token(user_id, groups=groups, ttl=ttl, keys=signing_keys, issuer=issuer)
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture(scope="session")
def shop(start_service: Callable[[str], str], auth_headers: Callable[..., dict[str, str]]) -> ShopApi:
    """The whole stack, the gateway last (it is given the others' URLs and dev sign-in)."""
    for name in ("products", "cart", "orders"):
        start_service(name)
    return ShopApi(start_service("gateway"), auth_headers)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


def _artifact_dir(node: pytest.Item) -> Path:
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", node.name)


@pytest.fixture
def open_page(
    request: pytest.FixtureRequest, browser: Browser, shop: ShopApi
) -> Iterator[Callable[[], Page]]:
    """`open_page()` → a page in a new browser context (nobody signed in) on the gateway.

    An uncaught error in the page's script fails the test; when a test fails, every page it opened
    is saved as a screenshot."""
    contexts = []
    page_errors: list[str] = []

    def open_one() -> Page:
        context = browser.new_context(base_url=shop.base_url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(f"{error.name}: {error.message}"))
        return page

    yield open_one
    if request.node.stash.get(_CALL_FAILED, False):
        directory = _artifact_dir(request.node)
        directory.mkdir(parents=True, exist_ok=True)
        for number, context in enumerate(contexts, 1):
            for index, page in enumerate(context.pages, 1):
                try:
                    path = directory / f"failure-context{number}-page{index}.png"
                    page.screenshot(path=path, full_page=True)
                except Error:
                    pass  # a crashed page has nothing to show
    for context in contexts:
        context.close()
    assert not page_errors, f"uncaught errors in the page: {page_errors}"


@pytest.fixture
def page(open_page: Callable[[], Page]) -> Page:
    return open_page()


@pytest.fixture
def artifact_dir(request: pytest.FixtureRequest) -> Path:
    """test-artifacts/browser/<test>/, emptied for this run of the test."""
    directory = _artifact_dir(request.node)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


@pytest.fixture
def snap(artifact_dir: Path) -> Callable[[Page, str], Path]:
    """`snap(page, "cart")` saves test-artifacts/browser/<test>/NN-cart.png once the view is drawn."""
    directory = artifact_dir
    taken: list[Path] = []

    def take(page: Page, label: str) -> Path:
        expect(page.locator("main")).not_to_have_attribute("aria-busy", "true")
        path = directory / f"{len(taken) + 1:02d}-{label}.png"
        page.screenshot(path=path, full_page=True)
        taken.append(path)
        return path

    return take


def sign_in(page: Page, user_id: str, *, admin: bool = False) -> None:
    """Sign in as a person would: the header's "Sign in" leads to the provider's own sign-in page
    (authorization code + PKCE), whose form takes a user name; then back in the shop."""
    page.get_by_test_id("sign-in").click()
    expect(page).to_have_title(re.compile("^Sign in"))
    page.get_by_label("User name").fill(user_id)
    if admin:
        page.get_by_label("Admin", exact=True).check()
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_test_id("signed-in-user")).to_have_text(user_id)


@pytest.fixture
def signed_in() -> Callable[..., None]:
    """`signed_in(page, "alice", admin=False)` signs in through the provider's sign-in page."""
    return sign_in


def money(amount: Decimal | str) -> str:
    """The page's way of writing an amount: "$1,234.50"."""
    return f"${Decimal(amount):,.2f}"


@pytest.fixture
def dollars() -> Callable[[Decimal | str], str]:
    return money
