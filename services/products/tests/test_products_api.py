"""The products API: validation, auth, versions, pagination and categories."""

from __future__ import annotations

import pytest

PROBLEM = "application/problem+json"
VALID = {"name": "Teapot", "price": "19.99", "category": "Kitchen", "inventory_count": 5}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    body = response.json
    assert body["status"] == status and body["title"] and body["type"] and body["detail"]
    return body


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", "0"),
        ("price", "-1.00"),
        ("price", "1.999"),
        ("price", "abc"),
        ("price", "NaN"),
        ("price", "Infinity"),
        ("price", None),
        ("inventory_count", -1),
        ("inventory_count", 1.5),
        ("inventory_count", "3"),
        ("name", ""),
        ("name", "x" * 201),
        ("description", "x" * 4001),
        ("category", ""),
        ("category", "#categories"),
        ("surprise", "unknown field"),
    ],
)
def test_create_rejects_invalid_field_with_422(client, admin, field, value):
    body = assert_problem(client.post("/products", json={**VALID, field: value}, headers=admin), 422)
    assert field in body["errors"]["json"]


def test_create_accepts_the_boundaries(client, admin):
    body = {**VALID, "name": "x" * 200, "description": "d" * 4000, "price": "0.01", "inventory_count": 0}
    response = client.post("/products", json=body, headers=admin)
    assert response.status_code == 201
    assert response.json["price"] == "0.01"
    assert response.headers["ETag"] == '"1"'


def test_malformed_json_is_400(client, admin):
    response = client.post("/products", data="{not json", content_type="application/json", headers=admin)
    assert_problem(response, 400)


def test_an_integer_python_refuses_to_read_is_400(client, admin):
    body = '{"name": "Teapot", "price": "1.00", "category": "Kitchen", "inventory_count": ' + "9" * 5000 + "}"
    assert_problem(client.post("/products", data=body, content_type="application/json", headers=admin), 400)


def test_missing_required_fields_are_named(client, admin):
    body = assert_problem(client.post("/products", json={}, headers=admin), 422)
    assert set(body["errors"]["json"]) == {"name", "price", "category", "inventory_count"}


def test_create_then_read_with_etag(client, make_product):
    created = make_product(product_id="teapot-1", price="12.50")
    response = client.get("/products/teapot-1")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    assert response.json == created
    assert response.json["price"] == "12.50"


def test_duplicate_id_is_409(client, admin, make_product):
    make_product(product_id="teapot-1")
    assert_problem(client.post("/products", json={**VALID, "product_id": "teapot-1"}, headers=admin), 409)


def test_unknown_product_is_404(client):
    assert_problem(client.get("/products/nothing-here"), 404)


def test_unknown_route_and_wrong_method_are_problems(client):
    assert_problem(client.get("/no/such/path"), 404)
    assert_problem(client.put("/products/x"), 405)


def test_writes_without_token_are_401(client, make_product):
    make_product(product_id="p1")
    assert_problem(client.post("/products", json=VALID), 401)
    assert_problem(client.patch("/products/p1", json={"price": "1.00"}), 401)
    assert_problem(client.delete("/products/p1"), 401)


def test_writes_by_a_shopper_are_403(client, shopper, make_product):
    make_product(product_id="p1")
    assert_problem(client.post("/products", json=VALID, headers=shopper), 403)
    assert_problem(client.patch("/products/p1", json={"price": "1.00"}, headers=shopper), 403)
    assert_problem(client.delete("/products/p1", headers=shopper), 403)


def test_the_service_credential_is_refused_on_public_writes(client, auth_headers):
    service = auth_headers("orders-service", groups=["admin"], scopes=["shopsmart/internal"])
    assert_problem(client.post("/products", json=VALID, headers=service), 403)


def test_a_forged_or_expired_token_is_401(client, auth_headers):
    headers = auth_headers("ada", groups=["admin"])
    forged = {"Authorization": headers["Authorization"][:-4] + "AAAA"}
    assert_problem(client.post("/products", json=VALID, headers=forged), 401)
    expired = auth_headers("ada", groups=["admin"], ttl=-120)
    assert_problem(client.post("/products", json=VALID, headers=expired), 401)


def test_patch_with_current_etag_updates_and_bumps_version(client, admin, make_product):
    make_product(product_id="p1")
    response = client.patch("/products/p1", json={"price": "17.25"}, headers={**admin, "If-Match": '"1"'})
    assert response.status_code == 200
    assert response.json["price"] == "17.25"
    assert response.headers["ETag"] == '"2"'


def test_stale_if_match_never_overwrites_a_newer_write(client, admin, make_product):
    make_product(product_id="p1")
    first = client.patch("/products/p1", json={"name": "Newer"}, headers={**admin, "If-Match": '"1"'})
    assert first.status_code == 200
    stale = client.patch("/products/p1", json={"name": "Older"}, headers={**admin, "If-Match": '"1"'})
    assert_problem(stale, 412)
    assert client.get("/products/p1").json["name"] == "Newer"


def test_patch_validates_and_needs_a_field(client, admin, make_product):
    make_product(product_id="p1")
    assert_problem(client.patch("/products/p1", json={}, headers=admin), 422)
    assert_problem(client.patch("/products/p1", json={"price": "1.001"}, headers=admin), 422)
    assert_problem(client.patch("/products/p1", json={"product_id": "p2"}, headers=admin), 422)
    assert_problem(client.patch("/products/missing", json={"price": "1.00"}, headers=admin), 404)
    # A change that names no version would overwrite what it never saw.
    assert_problem(client.patch("/products/p1", json={"price": "1.00"}, headers=admin), 428)
    assert_problem(client.patch("/products/p1%0A", json={"price": "1.00"}, headers=admin), 404)


def test_delete_then_404(client, admin, make_product):
    make_product(product_id="p1")
    assert client.delete("/products/p1", headers=admin).status_code == 204
    assert_problem(client.get("/products/p1"), 404)
    assert_problem(client.delete("/products/p1", headers=admin), 404)


def _all_pages(client, query: str) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        url = f"/products?{query}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url)
        assert response.status_code == 200, response.json
        items += response.json["items"]
        cursor = response.json["next_cursor"]
        pages += 1
        assert pages < 100
        if cursor is None:
            return items


def test_category_pages_are_exact_ordered_and_gapless(client, make_product):
    kitchen_names = [f"Kitchen item {n:02d}" for n in range(23)]
    for number, name in enumerate(reversed(kitchen_names)):
        make_product(product_id=f"k{number}", name=name, category="Kitchen")
    for number in range(6):
        make_product(product_id=f"g{number}", name=f"Garden item {number}", category="Garden")
    items = _all_pages(client, "category=Kitchen&limit=5")
    assert [item["name"] for item in items] == kitchen_names
    assert {item["category"] for item in items} == {"Kitchen"}


def test_full_listing_pages_cover_every_product_once(client, make_product):
    for number in range(13):
        make_product(product_id=f"p{number:02d}", category=f"C{number % 3}")
    items = _all_pages(client, "limit=4")
    assert sorted(item["product_id"] for item in items) == [f"p{n:02d}" for n in range(13)]


@pytest.mark.parametrize("cursor", ["garbage", "eyJQcm9kdWN0SUQiOnsiUyI6ImEifX0", "%25%25", "a" * 300])
def test_forged_cursors_are_400(client, make_product, cursor):
    for number in range(3):
        make_product(product_id=f"p{number}")
    assert_problem(client.get(f"/products?limit=1&cursor={cursor}"), 400)


def test_a_truncated_or_foreign_cursor_is_400(client, make_product):
    for number in range(4):
        make_product(product_id=f"p{number}", name=f"Item {number}")
    cursor = client.get("/products?category=Kitchen&limit=1").json["next_cursor"]
    assert cursor
    assert_problem(client.get(f"/products?category=Kitchen&limit=1&cursor={cursor[:-3]}"), 400)
    assert_problem(client.get(f"/products?category=Garden&limit=1&cursor={cursor}"), 400)
    assert_problem(client.get(f"/products?limit=1&cursor={cursor}"), 400)


def test_ids_returns_the_asked_products_in_order(client, make_product):
    for number in range(5):
        make_product(product_id=f"p{number}")
    response = client.get("/products?ids=p3,unknown,p0,p3,p1")
    assert response.status_code == 200
    assert [item["product_id"] for item in response.json["items"]] == ["p3", "p0", "p1"]
    assert response.json["next_cursor"] is None


def test_ids_is_capped_at_100_and_checked(client):
    too_many = ",".join(f"p{n}" for n in range(101))
    assert_problem(client.get(f"/products?ids={too_many}"), 422)
    assert_problem(client.get("/products?ids=,,"), 422)
    assert_problem(client.get("/products?ids=bad%20id"), 422)


@pytest.mark.parametrize(
    ("query", "entry"),
    [
        ("p1%0A", "'p1\\n'"),
        ("%20p1", "' p1'"),
        ("p1,,p2", "Entry 2 ('')"),
        ("p1,", "Entry 2 ('')"),
        ("p1,p2%09", "'p2\\t'"),
    ],
)
def test_ids_entries_are_read_exactly_as_sent_and_the_bad_one_is_named(client, make_product, query, entry):
    make_product(product_id="p1")
    problem = assert_problem(client.get(f"/products?ids={query}"), 422)
    assert any(entry in message for message in problem["errors"]["query"]["ids"]), problem
    assert_problem(client.get("/products?ids=a&category=Kitchen"), 422)


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "category=%23categories"])
def test_bad_list_arguments_are_422(client, query):
    assert_problem(client.get(f"/products?{query}"), 422)


def test_categories_follow_creates_moves_and_deletes(client, admin, make_product):
    make_product(product_id="a", category="Kitchen")
    make_product(product_id="b", category="Kitchen")
    make_product(product_id="c", category="Books")
    assert client.get("/categories").json["items"] == [
        {"name": "Books", "product_count": 1},
        {"name": "Kitchen", "product_count": 2},
    ]
    client.patch("/products/c", json={"category": "Kitchen"}, headers={**admin, "If-Match": "*"})
    client.delete("/products/a", headers=admin)
    assert client.get("/categories").json["items"] == [{"name": "Kitchen", "product_count": 2}]


def test_category_counters_never_appear_as_products(client, make_product):
    make_product(product_id="a", category="Kitchen")
    items = client.get("/products?limit=100").json["items"]
    assert [item["product_id"] for item in items] == ["a"]
    assert_problem(client.get("/products/%23category%23Kitchen"), 404)


def test_openapi_document_is_generated_from_the_code(client):
    document = client.get("/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert {"/products", "/products/{product_id}", "/categories"} <= set(document["paths"])
    assert "ProductCreate" in document["components"]["schemas"]


def test_request_id_is_returned_and_generated(client):
    assert (
        client.get("/health/live", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    )
    generated = client.get("/health/live", headers={"X-Request-ID": "bad id <script>"}).headers[
        "X-Request-ID"
    ]
    assert generated and generated != "bad id <script>"


def test_health(client):
    assert client.get("/health/live").json == {"status": "live"}
    assert client.get("/health/ready").json == {"status": "ready"}
