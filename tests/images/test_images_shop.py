"""The shop run from its images: non-root containers whose health checks pass, a shopper's journey
through the containerized gateway, and a graceful stop on SIGTERM."""

from __future__ import annotations

import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from .conftest import REPO_ROOT, BuiltImage, ContainerStack

TIMEOUT = 10
LONG_RUNNING = ("products", "cart", "orders", "gateway")
GRACEFUL_TIMEOUT = re.compile(r"--graceful-timeout[= ](\d+)")


def test_every_service_runs_as_a_non_root_user(container_stack: ContainerStack) -> None:
    for service in LONG_RUNNING:
        container = container_stack.container(service)
        uid = container_stack.podman("exec", container, "id", "-u").stdout.strip()
        image_user = container_stack.podman.inspect("container", container)["Config"]["User"]
        assert uid != "0", service
        assert uid == image_user.split(":")[0], (service, uid, image_user)


def test_each_image_health_check_passes_inside_its_container(container_stack: ContainerStack) -> None:
    for service in LONG_RUNNING:
        image = container_stack.podman.inspect("image", container_stack.services[service]["image"])
        test = image["Healthcheck"]["Test"]
        result = container_stack.exec_healthcheck(container_stack.container(service), test)
        assert result.returncode == 0, (service, test, result.stderr)


def test_a_shopper_browses_adds_checks_out_and_sees_the_order(container_stack: ContainerStack) -> None:
    gateway = container_stack.url("gateway")
    shop = requests.Session()

    page = shop.get(f"{gateway}/", timeout=TIMEOUT)
    assert page.status_code == 200 and 'src="/app.js"' in page.text
    catalogue = shop.get(f"{gateway}/products", params={"limit": 5}, timeout=TIMEOUT)
    assert catalogue.status_code == 200, catalogue.text
    product = next(item for item in catalogue.json()["items"] if item["inventory_count"] >= 2)

    sign_in = shop.post(
        f"{gateway}/auth/dev-token", json={"user_id": f"shopper-{uuid.uuid4().hex[:8]}"}, timeout=TIMEOUT
    )
    assert sign_in.status_code == 200, sign_in.text
    shop.headers["Authorization"] = f"Bearer {sign_in.json()['access_token']}"

    added = shop.post(
        f"{gateway}/cart/items", json={"product_id": product["product_id"], "quantity": 2}, timeout=TIMEOUT
    )
    assert added.status_code in (200, 201), added.text
    cart = shop.get(f"{gateway}/cart", timeout=TIMEOUT).json()
    assert [(line["product_id"], line["quantity"]) for line in cart["items"]] == [(product["product_id"], 2)]

    checkout = shop.post(
        f"{gateway}/orders",
        json={"cart_version": cart["version"]},
        headers={"Idempotency-Key": str(uuid.uuid4())},
        timeout=TIMEOUT,
    )
    assert checkout.status_code == 201, checkout.text
    order = checkout.json()
    assert order["status"] == "CONFIRMED"

    seen = shop.get(f"{gateway}/orders/{order['order_id']}", timeout=TIMEOUT)
    assert seen.status_code == 200 and seen.json()["status"] == "CONFIRMED"
    assert order["order_id"] in {
        item["order_id"] for item in shop.get(f"{gateway}/orders", timeout=TIMEOUT).json()["items"]
    }
    stock = shop.get(f"{gateway}/products/{product['product_id']}", timeout=TIMEOUT).json()["inventory_count"]
    assert stock == product["inventory_count"] - 2
    assert shop.get(f"{gateway}/cart", timeout=TIMEOUT).json()["items"] == []


def test_an_over_long_request_line_is_refused_as_a_problem_by_every_container(
    container_stack: ContainerStack,
) -> None:
    """The entrypoint's gunicorn limits hold in the images: no unlimited request line."""
    for service in LONG_RUNNING:
        answer = requests.get(f"{container_stack.url(service)}/products/{'a' * 9000}", timeout=TIMEOUT)
        assert answer.status_code == 414, (service, answer.status_code, answer.text[:200])
        assert answer.headers["Content-Type"].startswith("application/problem+json"), service


def test_the_readme_lists_every_image_with_its_size(built_images: dict[str, BuiltImage]) -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    rows = dict(re.findall(r"^\| `([^`]+)` \| ([\d.]+ MB) \|$", readme, flags=re.MULTILINE))
    assert set(rows) == set(built_images)


def test_sigterm_stops_each_container_within_its_graceful_timeout(container_stack: ContainerStack) -> None:
    """Last in the module: it stops the containers the other tests use."""

    def stop(service: str) -> tuple[str, int, float, float]:
        container = container_stack.container(service)
        settings = container_stack.podman.inspect("container", container)["Config"]["Env"]
        (gunicorn_args,) = [value for value in settings if value.startswith("GUNICORN_CMD_ARGS=")]
        graceful = float(GRACEFUL_TIMEOUT.search(gunicorn_args)[1])
        started = time.monotonic()
        container_stack.podman("kill", "--signal", "TERM", container)
        status = container_stack.podman("wait", container, timeout=graceful + 10).stdout.strip()
        return service, int(status), time.monotonic() - started, graceful

    with ThreadPoolExecutor(max_workers=len(LONG_RUNNING)) as pool:
        stopped = list(pool.map(stop, LONG_RUNNING))

    for service, status, seconds, graceful in stopped:
        assert status == 0, (service, status, container_stack.podman.logs(container_stack.container(service)))
        assert seconds <= graceful, (service, seconds, graceful)
