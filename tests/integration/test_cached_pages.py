"""A cached product page may show stock seconds old; the checkout stays the authority. On the real
stack (DynamoDB Local, the services under gunicorn, all through the gateway): shoppers who all
saw "3 left" on a cached page buy at once, and no more than 3 are ever sold.

Ends with the stock audit (`load.audit`, which reads the tables raw).
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests

from load.audit import audit

TIMEOUT = 30
STOCK = 3
# Seven units wanted by six shoppers who each saw 3 left: without the checkout's own check the
# sale would oversell by at least 4.
WANTED = (2, 1, 1, 1, 1, 1)


@dataclass
class CachedPage:
    """A shared cache's copy of one product page: its body and ETag, revalidated only on request."""

    url: str
    body: dict
    etag: str

    @classmethod
    def fetched(cls, url: str) -> CachedPage:
        response = requests.get(url, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        assert response.headers["Cache-Control"].startswith("public, max-age=")
        return cls(url, response.json(), response.headers["ETag"])

    def revalidate(self) -> int:
        """Ask the origin whether the copy is current, as a CDN does after max-age; keep the answer."""
        response = requests.get(self.url, headers={"If-None-Match": self.etag}, timeout=TIMEOUT)
        if response.status_code == 200:
            self.body, self.etag = response.json(), response.headers["ETag"]
        else:
            assert response.status_code == 304 and response.content == b"", response.text
        return response.status_code


@pytest.fixture(scope="module")
def gateway(start_service) -> str:
    for name in ("products", "cart", "orders"):
        start_service(name)
    return start_service("gateway")


def fill_cart(gateway: str, headers: dict[str, str], product_id: str, quantity: int) -> str:
    """Put `quantity` of the product in the shopper's cart; the cart's version, as shown."""
    added = requests.post(
        f"{gateway}/cart/items",
        json={"product_id": product_id, "quantity": quantity},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert added.status_code in (200, 201), added.text
    return requests.get(f"{gateway}/cart", headers=headers, timeout=TIMEOUT).json()["version"]


def checkout(gateway: str, headers: dict[str, str], version: str) -> requests.Response:
    return requests.post(
        f"{gateway}/orders",
        json={"cart_version": version},
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        timeout=TIMEOUT,
    )


@pytest.mark.parametrize("shards", [1, 2])
def test_a_cached_page_showing_3_left_never_lets_a_checkout_oversell(
    gateway, auth_headers, dynamo_client, dynamo_settings, shards
):
    admin = auth_headers("cached-admin", groups=["admin"])
    body = {"name": "Cached mug", "price": "5.00", "category": "Cached", "inventory_count": STOCK}
    created = requests.post(f"{gateway}/products", json=body, headers=admin, timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    product_id = created.json()["product_id"]
    if shards > 1:
        split = requests.put(
            f"{gateway}/products/{product_id}/stock-shards",
            json={"shards": shards},
            headers=admin,
            timeout=TIMEOUT,
        )
        assert split.status_code == 200, split.text
    page = CachedPage.fetched(f"{gateway}/products/{product_id}")
    assert page.body["inventory_count"] == STOCK
    assert page.revalidate() == 304

    prefix = f"cached-{uuid.uuid4().hex[:6]}"
    shoppers = [auth_headers(f"{prefix}-{number}") for number in range(len(WANTED))]
    # Each shopper read the cached page, which says 3 are left, and wants no more than that.
    assert all(page.body["inventory_count"] >= quantity for quantity in WANTED)
    carts = [fill_cart(gateway, shopper, product_id, q) for shopper, q in zip(shoppers, WANTED, strict=True)]
    start = threading.Barrier(len(WANTED))

    def buy(number: int) -> tuple[int, requests.Response]:
        start.wait(timeout=TIMEOUT)
        return WANTED[number], checkout(gateway, shoppers[number], carts[number])

    with ThreadPoolExecutor(max_workers=len(WANTED)) as pool:
        answers = list(pool.map(buy, range(len(WANTED))))

    sold = sum(quantity for quantity, answer in answers if answer.status_code == 201)
    refused = [answer for _, answer in answers if answer.status_code != 201]
    assert sold <= STOCK, [answer.text for _, answer in answers]
    assert refused, "seven units were wanted of three"
    for answer in refused:
        assert answer.status_code == 409 and answer.json()["type"].endswith("/out-of-stock"), answer.text
    # The copy still says 3; the product itself shows what is left.
    assert page.body["inventory_count"] == STOCK
    assert requests.get(page.url, timeout=TIMEOUT).json()["inventory_count"] == STOCK - sold
    report = audit(dynamo_client, dynamo_settings, {product_id: STOCK}, prefix, held_timeout_seconds=0)
    assert report.clean, report


def test_a_cached_page_learns_the_stock_left_at_its_next_revalidation(gateway, auth_headers):
    admin = auth_headers("cached-admin", groups=["admin"])
    body = {"name": "Cached cup", "price": "5.00", "category": "Cached", "inventory_count": STOCK}
    product_id = requests.post(f"{gateway}/products", json=body, headers=admin, timeout=TIMEOUT).json()[
        "product_id"
    ]
    page = CachedPage.fetched(f"{gateway}/products/{product_id}")
    shopper = auth_headers(f"cached-{uuid.uuid4().hex[:6]}")
    placed = checkout(gateway, shopper, fill_cart(gateway, shopper, product_id, 1))
    assert placed.status_code == 201, placed.text
    assert page.revalidate() == 200
    assert page.body["inventory_count"] == STOCK - 1
