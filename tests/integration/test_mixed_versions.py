"""Two versions side by side on the real stack (DynamoDB Local, services under gunicorn), as during
a deploy or a rollback: orders from the working tree against products as it was before its latest
change, and products from the working tree against the previous orders. Checkout and cancel must
work both ways.

The previous version of a service is read from git: when the working tree changes the service's
folder, the last commit that touched it; otherwise that commit's parent, i.e. the service before its
latest change. `SHOPSMART_PREVIOUS_REF=<commit or tag>` picks another, such as the release in
production. The previous service runs with the shared libraries of its own commit.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from devstack.environment import JWT_AUDIENCE, service_url_variable
from devstack.keys import LOCAL_ACCEPTED_CLIENTS

REPO_ROOT = Path(__file__).resolve().parents[2]
PREVIOUS_REF_VARIABLE = "SHOPSMART_PREVIOUS_REF"
# What a service's release is built from besides its own folder (see docker/service/Dockerfile).
RELEASED_LIBS = ("libs/dynamo_common", "libs/service_kit")
PACKAGES = {"products": "products_service", "cart": "cart_service", "orders": "orders_service"}
TIMEOUT = 20  # seconds; a hanging service fails the test instead of stalling it


def _git(*arguments: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO_ROOT), *arguments],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def previous_ref(service: str) -> str:
    """The commit whose code is `service`'s previous version (see the module's docstring)."""
    chosen = os.environ.get(PREVIOUS_REF_VARIABLE)
    if chosen:
        return _git("rev-parse", "--verify", f"{chosen}^{{commit}}")
    folder = f"services/{service}"
    last_change = _git("rev-list", "-n", "1", "HEAD", "--", folder)
    if not last_change:
        pytest.fail(f"git has no commit that touched {folder}", pytrace=False)
    if _git("status", "--porcelain", "--", folder):
        return last_change
    return _git("rev-parse", f"{last_change}^")


@dataclass(frozen=True)
class PreviousRelease:
    service: str
    commit: str
    variables: dict[str, str]


@pytest.fixture(scope="module")
def previous_release(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], PreviousRelease]:
    """`previous_release("products")` → the variables that run that service's previous code."""

    def export(service: str) -> PreviousRelease:
        commit = previous_ref(service)
        target = tmp_path_factory.mktemp(f"{service}-{commit[:10]}")
        archive = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "archive", commit, f"services/{service}", *RELEASED_LIBS],
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as files:
            files.extractall(target, filter="data")
        # Ahead of the installed (editable) packages, so the previous code is the one imported.
        path = os.pathsep.join(str(target / part) for part in (f"services/{service}", *RELEASED_LIBS))
        # A release from before SHOPSMART_SERVICE_CLIENT_ID accepted the services' credential only
        # when their client was in its audience: deployed beside one, the audience lists both
        # clients (today's code still tells the services' client apart, wherever it is listed).
        variables = {"PYTHONPATH": path, JWT_AUDIENCE: LOCAL_ACCEPTED_CLIENTS}
        imported = subprocess.run(
            [sys.executable, "-c", f"import {PACKAGES[service]} as p; print(p.__file__)"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **variables},
        ).stdout
        assert Path(imported.strip()).is_relative_to(target), imported
        return PreviousRelease(service, commit, variables)

    return export


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def buy_and_cancel(
    products: str, cart: str, orders: str, auth_headers: Callable[..., dict[str, str]]
) -> None:
    """One shopper's checkout and cancel through these three services, with the stock audited."""
    admin = auth_headers(unique("admin"), groups=["admin"])
    body = {"name": unique("Item"), "price": "7.25", "category": unique("Cat"), "inventory_count": 5}
    created = requests.post(f"{products}/products", json=body, headers=admin, timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    product_id = created.json()["product_id"]

    def stock() -> int:
        return requests.get(f"{products}/products/{product_id}", timeout=TIMEOUT).json()["inventory_count"]

    shopper = auth_headers(unique("user"))
    added = requests.post(
        f"{cart}/cart/items", json={"product_id": product_id, "quantity": 2}, headers=shopper, timeout=TIMEOUT
    )
    assert added.status_code in (200, 201), added.text

    # The cart is always the working tree's here, so it states the version the shopper confirms.
    seen = requests.get(f"{cart}/cart", headers=shopper, timeout=TIMEOUT).json()
    checkout = requests.post(
        f"{orders}/orders",
        json={"cart_version": seen["version"]},
        headers={**shopper, "Idempotency-Key": uuid.uuid4().hex},
        timeout=TIMEOUT,
    )
    assert checkout.status_code == 201, checkout.text
    order = checkout.json()
    assert order["status"] == "CONFIRMED"
    assert Decimal(order["total_price"]) == Decimal("14.50")
    assert [(line["product_id"], line["quantity"]) for line in order["items"]] == [(product_id, 2)]
    assert stock() == 3
    assert requests.get(f"{cart}/cart", headers=shopper, timeout=TIMEOUT).json()["items"] == []

    cancelled = requests.post(f"{orders}/orders/{order['order_id']}/cancel", headers=shopper, timeout=TIMEOUT)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    assert stock() == 5


def test_orders_from_the_working_tree_with_the_previous_products(
    start_extra_service, previous_release, auth_headers
):
    previous = previous_release("products")
    products = start_extra_service("products", previous.variables).base_url
    cart = start_extra_service("cart", {service_url_variable("products"): products}).base_url
    peers = {service_url_variable("products"): products, service_url_variable("cart"): cart}
    orders = start_extra_service("orders", peers).base_url

    buy_and_cancel(products, cart, orders, auth_headers)


def test_products_from_the_working_tree_with_the_previous_orders(
    start_extra_service, previous_release, auth_headers
):
    previous = previous_release("orders")
    products = start_extra_service("products", {}).base_url
    cart = start_extra_service("cart", {service_url_variable("products"): products}).base_url
    peers = {service_url_variable("products"): products, service_url_variable("cart"): cart}
    orders = start_extra_service("orders", {**peers, **previous.variables}).base_url

    buy_and_cancel(products, cart, orders, auth_headers)
