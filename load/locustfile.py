"""Shoppers during a sale: mostly browsing, some cart edits, and checkouts of a few hot products.

Run by `python -m load` (or `make load`); the hot products and where to write the status tally
come from the environment it sets. Expected refusals (sold out 409, empty cart 422) count as
successes; only a 5xx or an unexpected status is a failure.

Three kinds of users: `Shopper` (the sale scenario), `HotProductBuyer`, who does nothing but buy
the first hot product (the hot-product scenario runs both, four buyers to each shopper), and
`PageViewer`, who only looks at that product's page, as a browser with a cache does (the
hot-page scenario: four viewers to each buyer). Locally
each user signs in through the gateway's development sign-in; against a real deployment, where
that is off, `LOAD_TOKENS_FILE` names a file of access tokens of test users, one a line.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from collections import Counter
from pathlib import Path

from locust import HttpUser, between, events, task

HOT_PRODUCTS = [pid for pid in os.environ.get("LOAD_HOT_PRODUCTS", "").split(",") if pid]
TALLY_PATH = os.environ.get("LOAD_TALLY_PATH")
TOKENS_FILE = os.environ.get("LOAD_TOKENS_FILE")
# Request ids of page views start with this, so their DynamoDB calls can be told apart afterwards.
PAGE_REQUEST_PREFIX = os.environ.get("LOAD_PAGE_REQUEST_PREFIX", "page-")
status_classes: Counter[str] = Counter()
_tokens = itertools.cycle(Path(TOKENS_FILE).read_text(encoding="utf-8").split()) if TOKENS_FILE else None


@events.request.add_listener
def count_status(response=None, exception=None, **_: object) -> None:
    if exception is not None and response is None:
        status_classes["connection_error"] += 1
    elif response is not None:
        status_classes[f"{response.status_code // 100}xx"] += 1
        if response.status_code >= 500:
            # Exact codes too: during a fault a 503 (retry later) is a promise kept, a 500 is a bug.
            status_classes[str(response.status_code)] += 1


@events.quitting.add_listener
def write_tally(**_: object) -> None:
    if TALLY_PATH:
        with open(TALLY_PATH, "w", encoding="utf-8") as tally:
            json.dump(dict(status_classes), tally)


def sign_in(user: HttpUser) -> None:
    """A token from the tokens file, or the local development sign-in."""
    if _tokens is not None:
        token = next(_tokens)
    else:
        user_id = f"load-{uuid.uuid4().hex[:12]}"
        answer = user.client.post("/auth/dev-token", json={"user_id": user_id}, name="/auth/dev-token")
        token = answer.json()["access_token"]
    user.client.headers["Authorization"] = f"Bearer {token}"


def check_out(user: HttpUser) -> None:
    """Confirm the cart as shown (its version) and place the order."""
    shown = user.client.get("/cart")
    if not shown.ok:
        return
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"cart_version": shown.json()["version"]}
    with user.client.post(
        "/orders", headers=headers, json=body, name="/orders", catch_response=True
    ) as answer:
        if answer.status_code in (201, 409, 422):
            answer.success()
        else:
            answer.failure(f"checkout answered {answer.status_code}: {answer.text[:200]}")


class Shopper(HttpUser):
    wait_time = between(0.05, 0.4)
    weight = 1

    def on_start(self) -> None:
        sign_in(self)
        categories = self.client.get("/categories").json()["items"]
        self.categories = [category["name"] for category in categories] or ["Kitchen"]
        self.seen: list[str] = []

    @task(6)
    def browse(self) -> None:
        category = random.choice(self.categories)  # noqa: S311 - load shaping, not security
        page = self.client.get(
            "/products", params={"category": category, "limit": 20}, name="/products?category"
        )
        items = page.json().get("items", []) if page.ok else []
        self.seen = [item["product_id"] for item in items] or self.seen
        if page.ok and page.json().get("next_cursor"):
            self.client.get(
                "/products",
                params={"category": category, "limit": 20, "cursor": page.json()["next_cursor"]},
                name="/products?category&cursor",
            )
        if self.seen:
            self.client.get(f"/products/{random.choice(self.seen)}", name="/products/{id}")  # noqa: S311

    @task(3)
    def edit_cart(self) -> None:
        pool = HOT_PRODUCTS + self.seen
        if not pool:
            return
        product_id = random.choice(pool)  # noqa: S311
        self.client.post("/cart/items", json={"product_id": product_id, "quantity": 1}, name="/cart/items")
        self.client.get("/cart")

    @task(2)
    def checkout(self) -> None:
        if HOT_PRODUCTS:
            hot = random.choice(HOT_PRODUCTS)  # noqa: S311
            self.client.put(f"/cart/items/{hot}", json={"quantity": 1}, name="/cart/items/{id}")
        check_out(self)


class HotProductBuyer(HttpUser):
    """Came for the one viral product: puts it in the cart and checks out, again and again."""

    wait_time = between(0.05, 0.2)
    weight = 4

    def on_start(self) -> None:
        sign_in(self)

    @task
    def buy_the_hot_product(self) -> None:
        if not HOT_PRODUCTS:
            return
        self.client.put(f"/cart/items/{HOT_PRODUCTS[0]}", json={"quantity": 1}, name="/cart/items/{id}")
        check_out(self)


class PageViewer(HttpUser):
    """Came to look at the viral product: opens its page again and again, anonymously, keeping the
    last copy and its ETag and revalidating it (`If-None-Match`), as a browser or a CDN does."""

    wait_time = between(0.05, 0.2)
    weight = 16

    def on_start(self) -> None:
        self.etag: str | None = None

    @task
    def view_the_hot_product(self) -> None:
        if not HOT_PRODUCTS:
            return
        headers = {"X-Request-ID": f"{PAGE_REQUEST_PREFIX}{uuid.uuid4().hex}"}
        if self.etag:
            headers["If-None-Match"] = self.etag
        with self.client.get(
            f"/products/{HOT_PRODUCTS[0]}", headers=headers, name="/products/{id} (page)", catch_response=True
        ) as answer:
            if answer.status_code in (200, 304):
                status_classes[f"page_{answer.status_code}"] += 1
                self.etag = answer.headers.get("ETag", self.etag)
                answer.success()
            else:
                answer.failure(f"the page answered {answer.status_code}")
