"""The web shop's files, served from frontend/ with nothing else reachable."""

from __future__ import annotations

import pytest

from gateway import DEFAULT_FRONTEND_DIR, create_app
from gateway.front_door import SHOP_FILE_CACHING


def test_the_page_is_served_at_the_root(client):
    response = client.get("/", buffered=True)

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b"<title>ShopSmart</title>" in response.data
    assert response.headers["Cache-Control"] == SHOP_FILE_CACHING.cache_control
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_scripts_and_images_have_their_types(client):
    script = client.get("/app.js", buffered=True)
    image = client.get("/images/products/mug.svg", buffered=True)

    assert script.status_code == 200
    assert script.mimetype in {"text/javascript", "application/javascript"}
    assert image.status_code == 200
    assert image.mimetype == "image/svg+xml"


def test_a_file_is_revalidated_cheaply(client):
    first = client.get("/app.js", buffered=True)

    again = client.get("/app.js", buffered=True, headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304
    assert again.get_data() == b""
    assert not first.headers["ETag"].startswith("W/")
    assert "public" in again.headers["Cache-Control"]


@pytest.mark.parametrize(
    "path", ["/missing.js", "/images/", "/images/products/none.svg", "/../secret.txt", "/%2e%2e/secret.txt"]
)
def test_anything_else_is_a_404_problem(client, expect_problem, path):
    expect_problem(client.get(path), 404)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_files_are_only_read(client, expect_problem, method):
    expect_problem(client.open("/index.html", method=method), 404)


def test_the_real_shop_is_served_from_the_repository():
    app = create_app({"TESTING": True, "EMIT_METRICS": False})
    client = app.test_client()

    page = client.get("/", buffered=True)
    script = client.get("/app.js", buffered=True)

    assert app.config["FRONTEND_DIR"] == str(DEFAULT_FRONTEND_DIR)
    assert page.status_code == 200 and b'src="/app.js"' in page.data
    assert script.status_code == 200
    image = next((DEFAULT_FRONTEND_DIR / "images" / "products").glob("*.svg"))
    assert client.get(f"/images/products/{image.name}", buffered=True).status_code == 200
