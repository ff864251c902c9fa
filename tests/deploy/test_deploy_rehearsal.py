"""The apply rehearsal (compute = "ecs"): the platform, then each team's root, applied to moto's server;
the services under gunicorn on the tables Terraform made; one team's release.

The applied shop is conftest's `shop`, shared by every module that needs one; test_deploy_teardown.py
destroys it last. The platform was applied by the `planned` fixture, from the plan that
test_deploy_plan checks.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from decimal import Decimal

import pytest
import requests
from code_truths import code_table_specs
from deploy_harness import (
    REGION,
    ROOTS,
    SERVICE_ROOTS,
    Deployment,
    changed_addresses,
    emulator_drift_removed,
)

from devstack import DevKeys, ServiceProcess, StackEnvironment, free_port, mint_service_token, run_seed
from devstack.services import SERVICES_BY_NAME

TIMEOUT = 10
TABLE_PREFIX = "shopsmart-production-"  # the example variables' environment
SERVICE_TABLES = {"products": "products", "cart": "carts", "orders": "orders"}
TEAMS = {"products": "catalogue", "cart": "cart", "orders": "checkout"}  # the example variables' teams


@pytest.fixture(scope="module")
def services(
    shop: Deployment, signing_keys: DevKeys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict]:
    """products, cart and orders under gunicorn (create_app(), as in the images) on the tables
    Terraform created, with the shipped catalogue seeded into the products table."""
    environment = StackEnvironment(
        endpoint_url=shop.emulator.endpoint_url,
        table_prefix=TABLE_PREFIX,
        jwks_url=signing_keys.jwks_url,
        cursor_secret=secrets.token_urlsafe(32),
        service_token=mint_service_token(signing_keys),
        region=REGION,
        service_urls={name: f"http://127.0.0.1:{free_port()}" for name in SERVICE_TABLES},
    )
    assert run_seed(environment.variables(), ["--if-empty"]) == 0
    logs = tmp_path_factory.mktemp("rehearsal-services")
    with ExitStack() as stack:
        for name, url in environment.service_urls.items():
            service = ServiceProcess(
                name,
                SERVICES_BY_NAME[name].module,
                env=environment.variables(),
                log_path=logs / f"{name}.log",
                port=int(url.rsplit(":", 1)[1]),
            )
            service.start()
            stack.callback(service.stop)
        yield dict(environment.service_urls)


def test_each_root_applied_its_own_tagged_table_and_nothing_else_made_tables(shop: Deployment) -> None:
    client = shop.client("dynamodb")
    assert sorted(client.list_tables()["TableNames"]) == sorted(
        TABLE_PREFIX + t for t in SERVICE_TABLES.values()
    )
    for service, table in SERVICE_TABLES.items():
        description = client.describe_table(TableName=TABLE_PREFIX + table)["Table"]
        tags = {
            tag["Key"]: tag["Value"]
            for tag in client.list_tags_of_resource(ResourceArn=description["TableArn"])["Tags"]
        }
        assert tags["Service"] == service and tags["Team"] == TEAMS[service], tags
        assert description["SSEDescription"]["SSEType"] == "KMS"
        # Keys and indexes as the service's code creates them locally.
        expected = code_table_specs()[table].create_table_request(TABLE_PREFIX)
        assert description["KeySchema"] == expected["KeySchema"]
        indexes = {
            index["IndexName"]: index["KeySchema"] for index in description.get("GlobalSecondaryIndexes", [])
        }
        assert indexes == {
            index["IndexName"]: index["KeySchema"] for index in expected.get("GlobalSecondaryIndexes", [])
        }
    for root in ROOTS:
        assert shop.state(root), f"{root} has no state"


def test_a_shopper_buys_through_the_services_on_the_terraform_tables(
    shop: Deployment, services: dict[str, str], auth_headers: Callable[..., dict[str, str]]
) -> None:
    products, cart, orders = services["products"], services["cart"], services["orders"]
    category = requests.get(f"{products}/categories", timeout=TIMEOUT).json()["items"][0]["name"]
    page = requests.get(f"{products}/products", params={"category": category, "limit": 20}, timeout=TIMEOUT)
    assert page.status_code == 200, page.text
    product = next(item for item in page.json()["items"] if item["inventory_count"] >= 2)
    shopper = auth_headers(f"rehearsal-{uuid.uuid4()}")

    added = requests.post(
        f"{cart}/cart/items",
        json={"product_id": product["product_id"], "quantity": 2},
        headers=shopper,
        timeout=TIMEOUT,
    )
    assert added.status_code in (200, 201), added.text
    seen = requests.get(f"{cart}/cart", headers=shopper, timeout=TIMEOUT).json()
    checkout = requests.post(
        f"{orders}/orders",
        json={"cart_version": seen["version"]},
        headers={**shopper, "Idempotency-Key": str(uuid.uuid4())},
        timeout=TIMEOUT,
    )
    assert checkout.status_code == 201, checkout.text
    order = checkout.json()
    assert order["status"] == "CONFIRMED"
    assert Decimal(order["total_price"]) == 2 * Decimal(product["price"])

    seen = requests.get(f"{orders}/orders/{order['order_id']}", headers=shopper, timeout=TIMEOUT)
    assert seen.status_code == 200 and seen.json()["status"] == "CONFIRMED", seen.text
    after = requests.get(f"{products}/products/{product['product_id']}", timeout=TIMEOUT).json()
    assert after["inventory_count"] == product["inventory_count"] - 2
    assert requests.get(f"{cart}/cart", headers=shopper, timeout=TIMEOUT).json()["items"] == []
    # The order is in the orders table Terraform made, where the services found it.
    stored = shop.client("dynamodb").get_item(
        TableName=f"{TABLE_PREFIX}orders", Key={"OrderID": {"S": order["order_id"]}}
    )
    assert stored["Item"]["Status"]["S"] == "CONFIRMED"


def test_releasing_cart_plans_changes_in_carts_root_alone(shop: Deployment) -> None:
    with ThreadPoolExecutor(max_workers=len(SERVICE_ROOTS)) as pool:
        plans = dict(
            zip(
                SERVICE_ROOTS,
                pool.map(
                    lambda root: shop.plan(
                        root, **({"image_tag": "1.0.1"} if root == "services/cart" else {})
                    )[1],
                    SERVICE_ROOTS,
                ),
                strict=True,
            )
        )
    released = changed_addresses(emulator_drift_removed(plans["services/cart"]))
    assert released == {
        # The new revision first; the old one is left registered (skip_destroy) to roll back to.
        "module.cart.module.ecs_service[0].aws_ecs_task_definition.this": ["create", "delete"],
        "module.cart.module.ecs_service[0].aws_ecs_service.this": ["update"],
    }, released
    for root in ("services/products", "services/orders"):
        assert changed_addresses(emulator_drift_removed(plans[root])) == {}, root
