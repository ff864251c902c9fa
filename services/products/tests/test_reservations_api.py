"""The internal reservations API: auth, validation, reserve, release, commit and return."""

from __future__ import annotations

import pytest

PROBLEM = "application/problem+json"
RESERVATIONS = "/internal/v1/reservations"


@pytest.fixture
def catalogue(make_product) -> None:
    make_product(product_id="teapot", name="Teapot", price="19.99", inventory_count=5)
    make_product(product_id="mug", name="Mug", price="4.35", inventory_count=10, category="Kitchen")
    make_product(product_id="kettle", name="Kettle", price="33.10", inventory_count=1, category="Garden")


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    return response.json


def test_reserve_takes_stock_at_the_servers_prices(catalogue, reserve, stock):
    response = reserve("order-1", teapot=2, mug=3)
    assert response.status_code == 201
    assert response.json == {
        "order_id": "order-1",
        "status": "RESERVED",
        "items": [
            {"product_id": "teapot", "name": "Teapot", "unit_price": "19.99", "quantity": 2},
            {"product_id": "mug", "name": "Mug", "unit_price": "4.35", "quantity": 3},
        ],
        "total_price": "53.03",
    }
    assert (stock("teapot"), stock("mug")) == (3, 7)


def test_an_identical_replay_answers_the_same_and_takes_stock_once(
    catalogue, reserve, stock, client, service
):
    first = reserve("order-1", teapot=2)
    replay = reserve("order-1", teapot=2)
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json == first.json
    assert stock("teapot") == 3
    assert client.get(f"{RESERVATIONS}/order-1", headers=service).json == first.json


def test_other_items_for_the_same_order_are_409(catalogue, reserve, stock):
    assert reserve("order-1", teapot=2).status_code == 201
    assert_problem(reserve("order-1", teapot=3), 409)
    assert_problem(reserve("order-1", teapot=2, mug=1), 409)
    assert (stock("teapot"), stock("mug")) == (3, 10)


def test_short_stock_names_every_short_line_and_reserves_nothing(catalogue, reserve, stock, client, service):
    body = assert_problem(reserve("order-1", teapot=6, mug=2, kettle=2, ghost=1), 409)
    assert sorted(body["short_items"], key=lambda line: line["product_id"]) == [
        {"product_id": "ghost", "requested": 1, "available": 0},
        {"product_id": "kettle", "requested": 2, "available": 1},
        {"product_id": "teapot", "requested": 6, "available": 5},
    ]
    assert (stock("teapot"), stock("mug"), stock("kettle")) == (5, 10, 1)
    assert_problem(client.get(f"{RESERVATIONS}/order-1", headers=service), 404)


def test_one_short_line_reserves_nothing_and_the_order_may_try_again(catalogue, reserve, stock):
    body = assert_problem(reserve("order-1", teapot=1, mug=1, kettle=2), 409)
    assert body["short_items"] == [{"product_id": "kettle", "requested": 2, "available": 1}]
    assert (stock("teapot"), stock("mug"), stock("kettle")) == (5, 10, 1)
    assert reserve("order-1", teapot=1, mug=1, kettle=1).status_code == 201
    assert (stock("teapot"), stock("mug"), stock("kettle")) == (4, 9, 0)


def test_stock_can_be_reserved_down_to_zero_but_not_below(catalogue, reserve, stock):
    assert reserve("order-1", kettle=1).status_code == 201
    body = assert_problem(reserve("order-2", kettle=1), 409)
    assert body["short_items"] == [{"product_id": "kettle", "requested": 1, "available": 0}]
    assert stock("kettle") == 0


def test_release_gives_stock_back_once(catalogue, reserve, step, stock):
    reserved = reserve("order-1", teapot=2, mug=1).json
    first = step("order-1", "release")
    assert first.status_code == 200
    assert first.json == {**reserved, "status": "RELEASED"}
    assert (stock("teapot"), stock("mug")) == (5, 10)
    again = step("order-1", "release")
    assert (again.status_code, again.json) == (200, first.json)
    assert (stock("teapot"), stock("mug")) == (5, 10)


def test_a_released_order_cannot_reserve_again(catalogue, reserve, step, stock):
    reserve("order-1", teapot=2)
    step("order-1", "release")
    assert_problem(reserve("order-1", teapot=2), 409)
    assert stock("teapot") == 5


def test_release_before_reserve_leaves_a_tombstone_that_blocks_the_late_reserve(
    catalogue, reserve, step, stock, client, service
):
    released = step("order-1", "release")
    assert released.status_code == 200
    assert released.json == {"order_id": "order-1", "status": "RELEASED", "items": [], "total_price": "0.00"}
    body = assert_problem(reserve("order-1", teapot=1), 409)
    assert "given up" in body["detail"]
    assert stock("teapot") == 5
    assert step("order-1", "release").json == released.json
    assert client.get(f"{RESERVATIONS}/order-1", headers=service).json == released.json


def test_commit_keeps_the_stock_taken_and_is_idempotent(catalogue, reserve, step, stock):
    reserved = reserve("order-1", teapot=2).json
    first = step("order-1", "commit")
    assert (first.status_code, first.json) == (200, {**reserved, "status": "COMMITTED"})
    assert step("order-1", "commit").json == first.json
    assert stock("teapot") == 3
    assert_problem(step("order-1", "release"), 409)
    assert stock("teapot") == 3


def test_commit_refuses_a_released_returned_or_unknown_reservation(catalogue, reserve, step):
    reserve("order-1", teapot=1)
    step("order-1", "release")
    assert_problem(step("order-1", "commit"), 409)
    reserve("order-2", teapot=1)
    step("order-2", "return")
    assert_problem(step("order-2", "commit"), 409)
    assert_problem(step("order-3", "commit"), 404)


def test_return_after_commit_gives_stock_back_exactly_once(catalogue, reserve, step, stock):
    reserve("order-1", teapot=2, mug=4)
    step("order-1", "commit")
    first = step("order-1", "return")
    assert (first.status_code, first.json["status"]) == (200, "RETURNED")
    assert (stock("teapot"), stock("mug")) == (5, 10)
    assert step("order-1", "return").json == first.json
    assert step("order-1", "release").json == first.json
    assert (stock("teapot"), stock("mug")) == (5, 10)
    assert_problem(step("order-1", "commit"), 409)


def test_return_of_a_reserved_order_gives_stock_back(catalogue, reserve, step, stock):
    reserve("order-1", teapot=2)
    assert step("order-1", "return").json["status"] == "RETURNED"
    assert stock("teapot") == 5


def test_return_of_a_released_order_changes_nothing(catalogue, reserve, step, stock):
    reserve("order-1", teapot=2)
    released = step("order-1", "release").json
    returned = step("order-1", "return")
    assert (returned.status_code, returned.json) == (200, released)
    assert stock("teapot") == 5


def test_return_or_read_of_an_unknown_reservation_is_404(client, service, step):
    assert_problem(step("order-9", "return"), 404)
    assert_problem(client.get(f"{RESERVATIONS}/order-9", headers=service), 404)


def test_stock_of_a_deleted_product_is_not_recreated_on_release(
    catalogue, reserve, step, stock, client, admin
):
    reserve("order-1", teapot=2, mug=1)
    assert client.delete("/products/teapot", headers=admin).status_code == 204
    assert step("order-1", "release").json["status"] == "RELEASED"
    assert stock("mug") == 10
    assert_problem(client.get("/products/teapot"), 404)


def test_reservations_never_show_in_the_catalogue(catalogue, reserve, step, client):
    reserve("order-1", teapot=1)
    reserve("order-2", mug=1)
    step("order-2", "commit")
    step("order-3", "release")
    listed = client.get("/products?limit=100").json["items"]
    assert sorted(item["product_id"] for item in listed) == ["kettle", "mug", "teapot"]
    kitchen = client.get("/products?category=Kitchen&limit=100").json["items"]
    assert sorted(item["product_id"] for item in kitchen) == ["mug", "teapot"]
    assert client.get("/categories").json["items"] == [
        {"name": "Garden", "product_count": 1},
        {"name": "Kitchen", "product_count": 2},
    ]
    assert_problem(client.get("/products/%23reservation%23order-1"), 404)


def test_a_reservation_cannot_be_changed_through_the_public_api(catalogue, reserve, client, admin, step):
    reserved = reserve("order-1", teapot=1).json
    assert_problem(client.patch("/products/%23reservation%23order-1", json={"name": "x"}, headers=admin), 404)
    assert_problem(client.delete("/products/%23reservation%23order-1", headers=admin), 404)
    assert step("order-1", "commit").json == {**reserved, "status": "COMMITTED"}


def test_internal_paths_need_a_token(client):
    assert_problem(client.post(RESERVATIONS, json={"order_id": "o", "items": []}), 401)
    assert_problem(client.get(f"{RESERVATIONS}/o"), 401)
    for action in ("release", "commit", "return"):
        assert_problem(client.post(f"{RESERVATIONS}/o/{action}"), 401)


def test_internal_paths_refuse_users_and_admins(client, shopper, admin, catalogue):
    body = {"order_id": "o", "items": [{"product_id": "teapot", "quantity": 1}]}
    for headers in (shopper, admin):
        assert_problem(client.post(RESERVATIONS, json=body, headers=headers), 403)
        assert_problem(client.get(f"{RESERVATIONS}/o", headers=headers), 403)
        for action in ("release", "commit", "return"):
            assert_problem(client.post(f"{RESERVATIONS}/o/{action}", headers=headers), 403)
    assert client.get("/products/teapot").json["inventory_count"] == 5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"order_id": "o1", "items": []}, "items"),
        ({"order_id": "o1", "items": [{"product_id": f"p{n}", "quantity": 1} for n in range(51)]}, "items"),
        ({"order_id": "o1", "items": [{"product_id": "teapot", "quantity": 0}]}, "items"),
        ({"order_id": "o1", "items": [{"product_id": "teapot", "quantity": 100}]}, "items"),
        ({"order_id": "o1", "items": [{"product_id": "teapot", "quantity": "1"}]}, "items"),
        ({"order_id": "o1", "items": [{"product_id": "teapot", "quantity": 1.5}]}, "items"),
        ({"order_id": "o1", "items": [{"product_id": "#category#Kitchen", "quantity": 1}]}, "items"),
        ({"order_id": "o1", "items": [{"quantity": 1}]}, "items"),
        ({"order_id": "o1", "items": [{"product_id": "teapot", "quantity": 1}] * 2}, "items"),
        ({"order_id": "", "items": [{"product_id": "teapot", "quantity": 1}]}, "order_id"),
        ({"order_id": "x" * 101, "items": [{"product_id": "teapot", "quantity": 1}]}, "order_id"),
        ({"order_id": "a/b", "items": [{"product_id": "teapot", "quantity": 1}]}, "order_id"),
        ({"order_id": "#reservation#x", "items": [{"product_id": "teapot", "quantity": 1}]}, "order_id"),
        ({"items": [{"product_id": "teapot", "quantity": 1}]}, "order_id"),
    ],
)
def test_invalid_reservation_requests_are_422(client, service, catalogue, body, field):
    problem = assert_problem(client.post(RESERVATIONS, json=body, headers=service), 422)
    assert field in problem["errors"]["json"]
    assert client.get("/products/teapot").json["inventory_count"] == 5


def test_unknown_fields_are_ignored_and_a_client_sent_price_is_never_used(client, service, catalogue, stock):
    """A newer orders release may send a field this products release does not know (tolerant reader);
    a price among them changes nothing: the catalogue's price is the one reserved."""
    body = {
        "order_id": "o1",
        "items": [
            {"product_id": "teapot", "quantity": 1, "price": "0.01", "unit_price": "0.01", "gift": True}
        ],
        "total_price": "0.01",
        "channel": "mobile",
    }
    response = client.post(RESERVATIONS, json=body, headers=service)
    assert response.status_code == 201, response.json
    assert response.json["items"] == [
        {"product_id": "teapot", "name": "Teapot", "unit_price": "19.99", "quantity": 1}
    ]
    assert response.json["total_price"] == "19.99"
    assert stock("teapot") == 4


def test_the_longest_order_id_and_the_most_lines_are_accepted(client, service, make_product):
    for number in range(50):
        make_product(product_id=f"p{number:02d}", name=f"P{number:02d}", price="0.10", inventory_count=99)
    items = [{"product_id": f"p{number:02d}", "quantity": 99} for number in range(50)]
    response = client.post(RESERVATIONS, json={"order_id": "x" * 64, "items": items}, headers=service)
    assert response.status_code == 201, response.json
    assert response.json["total_price"] == "495.00"
    assert client.get("/products/p07").json["inventory_count"] == 0


def test_malformed_json_is_400_and_a_malformed_path_id_is_422(client, service):
    response = client.post(RESERVATIONS, data="{nope", content_type="application/json", headers=service)
    assert_problem(response, 400)
    assert_problem(client.post(f"{RESERVATIONS}/{'x' * 65}/release", headers=service), 422)
    assert_problem(client.get(f"{RESERVATIONS}/bad%0A", headers=service), 422)


def test_the_internal_routes_are_documented(client):
    paths = client.get("/openapi.json").json["paths"]
    assert {
        "/internal/v1/reservations",
        "/internal/v1/reservations/{order_id}",
        "/internal/v1/reservations/{order_id}/release",
        "/internal/v1/reservations/{order_id}/commit",
        "/internal/v1/reservations/{order_id}/return",
    } <= set(paths)
    assert set(paths["/internal/v1/reservations"]["post"]["responses"]) >= {"200", "201", "422"}
    assert "deprecated" not in paths["/internal/v1/reservations"]["post"]


def test_the_unversioned_paths_still_answer_for_older_orders_releases(client, service, catalogue):
    """The expand step of the move to /internal/v1: an orders release calling the old path works."""
    body = {"order_id": "legacy-1", "items": [{"product_id": "mug", "quantity": 1}]}
    reserved = client.post("/internal/reservations", json=body, headers=service)
    assert reserved.status_code == 201, reserved.json
    assert client.get(f"{RESERVATIONS}/legacy-1", headers=service).json == reserved.json
    assert (
        client.post("/internal/reservations/legacy-1/release", headers=service).json["status"] == "RELEASED"
    )
    paths = client.get("/openapi.json").json["paths"]
    assert paths["/internal/reservations"]["post"]["deprecated"] is True


def test_a_price_other_than_the_expected_one_is_409_naming_it_and_nothing_is_taken(
    catalogue, client, service, stock
):
    items = [
        {"product_id": "teapot", "quantity": 1, "expected_price": "18.99"},
        {"product_id": "mug", "quantity": 1, "expected_price": "4.35"},
    ]
    response = client.post(RESERVATIONS, json={"order_id": "order-p", "items": items}, headers=service)
    problem = assert_problem(response, 409)
    assert problem["type"].endswith("/prices-changed")
    assert problem["changed_items"] == [{"product_id": "teapot", "old_price": "18.99", "new_price": "19.99"}]
    assert (stock("teapot"), stock("mug")) == (5, 10)
    assert client.get(f"{RESERVATIONS}/order-p", headers=service).status_code == 404

    items[0]["expected_price"] = "19.99"
    assert (
        client.post(RESERVATIONS, json={"order_id": "order-p", "items": items}, headers=service).status_code
        == 201
    )


def test_only_reservations_still_held_are_listed_as_held_too_long(catalogue, client, reserve, step, service):
    assert reserve("order-held", mug=1).status_code == 201
    assert reserve("order-sold", mug=1).status_code == 201
    assert step("order-sold", "commit").status_code == 200
    assert reserve("order-given-up", mug=1).status_code == 201
    assert step("order-given-up", "release").status_code == 200

    held = client.get(f"{RESERVATIONS}?held_for_seconds=0", headers=service)
    assert held.status_code == 200 and held.json == {"order_ids": ["order-held"]}
    recent = client.get(f"{RESERVATIONS}?held_for_seconds=3600", headers=service)
    assert recent.json == {"order_ids": []}
    assert client.get(f"{RESERVATIONS}?held_for_seconds=0", headers={}).status_code == 401
