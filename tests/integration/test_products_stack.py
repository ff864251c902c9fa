"""The products service under gunicorn against DynamoDB Local: the issue's must-holds, over HTTP."""

from __future__ import annotations

import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def products(start_service) -> str:
    return start_service("products")


@pytest.fixture(scope="module")
def admin(auth_headers) -> dict[str, str]:
    return auth_headers("ada", groups=["admin"])


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create(products: str, admin: dict[str, str], **fields) -> dict:
    body = {"name": "Kettle", "price": "24.00", "category": unique("Cat"), "inventory_count": 3, **fields}
    response = requests.post(f"{products}/products", json=body, headers=admin, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def test_health_and_openapi(products):
    assert requests.get(f"{products}/health/ready", timeout=5).json() == {"status": "ready"}
    document = requests.get(f"{products}/openapi.json", timeout=5).json()
    assert "/products/{product_id}" in document["paths"]


def test_category_pages_are_exact_in_name_order_without_gaps(products, admin):
    category = unique("Paged")
    names = sorted(f"Item {uuid.uuid4().hex[:8]}" for _ in range(47))
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda name: create(products, admin, name=name, category=category), names))
    create(products, admin, name="Elsewhere", category=unique("Other"))
    seen, cursor = [], None
    for _ in range(20):
        params = {"category": category, "limit": 10, **({"cursor": cursor} if cursor else {})}
        page = requests.get(f"{products}/products", params=params, timeout=10).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [item["name"] for item in seen] == names
    assert {item["category"] for item in seen} == {category}


def test_bad_input_gets_its_status_and_a_problem_never_a_500(products, admin):
    cases = [
        ("post", "/products", {"data": "{oops", "headers": {"Content-Type": "application/json"}}, 400),
        (
            "post",
            "/products",
            {"json": {"name": "x", "price": "1.234", "category": "c", "inventory_count": 1}},
            422,
        ),
        (
            "post",
            "/products",
            {"json": {"name": "x", "price": "1", "category": "c", "inventory_count": -1}},
            422,
        ),
        (
            "post",
            "/products",
            {"json": {"name": "", "price": "1", "category": "c", "inventory_count": 1}},
            422,
        ),
        (
            "post",
            "/products",
            {"json": {"name": "x", "price": "1", "category": "c", "inventory_count": 1, "x": 1}},
            422,
        ),
        ("get", "/products?limit=1000", {}, 422),
        ("get", "/products?cursor=forged-cursor", {}, 400),
        ("get", "/products/does-not-exist", {}, 404),
        ("delete", "/categories", {}, 405),
    ]
    for method, path, options, status in cases:
        headers = {**admin, **options.pop("headers", {})}
        response = requests.request(method, f"{products}{path}", headers=headers, timeout=10, **options)
        assert response.status_code == status, (method, path, response.text)
        assert response.headers["Content-Type"] == PROBLEM
        assert response.json()["status"] == status


def test_writes_need_an_admin(products, auth_headers):
    body = {"name": "x", "price": "1.00", "category": "c", "inventory_count": 1}
    assert requests.post(f"{products}/products", json=body, timeout=5).status_code == 401
    shopper = auth_headers("sam")
    assert requests.post(f"{products}/products", json=body, headers=shopper, timeout=5).status_code == 403


def test_concurrent_patches_with_one_etag_let_exactly_one_win(products, admin):
    product = create(products, admin)
    url = f"{products}/products/{product['product_id']}"
    etag = requests.get(url, timeout=5).headers["ETag"]

    def patch(number: int) -> int:
        headers = {**admin, "If-Match": etag}
        return requests.patch(url, json={"name": f"Writer {number}"}, headers=headers, timeout=10).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = sorted(pool.map(patch, range(10)))
    assert statuses == [200] + [412] * 9
    final = requests.get(url, timeout=5)
    assert final.headers["ETag"] != etag and final.json()["name"].startswith("Writer ")


def test_ids_batch_of_100(products, admin):
    category = unique("Batch")
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda n: create(products, admin, category=category)["product_id"], range(100)))
    response = requests.get(f"{products}/products", params={"ids": ",".join(ids)}, timeout=10)
    assert [item["product_id"] for item in response.json()["items"]] == ids


def test_seed_cli_loads_the_catalogue_once(products, stack_variables):
    command = [sys.executable, "-m", "flask", "--app", "products_service", "seed"]
    first = subprocess.run(command, env=stack_variables, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    second = subprocess.run(command, env=stack_variables, capture_output=True, text=True, timeout=300)
    assert "Seeded 0 new products" in second.stdout
    categories = requests.get(f"{products}/categories", timeout=5).json()["items"]
    assert {"Kitchen", "Books", "Outdoor"} <= {category["name"] for category in categories}
