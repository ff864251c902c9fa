"""Hot products: stock split over shard items, the sum shown, each shard kept consistent."""

from __future__ import annotations

import random

import pytest

from products_service import stock_shards
from products_service.catalogue import split_evenly
from products_service.internal_api import HOT_WATCH_EXTENSION, RESERVATIONS_EXTENSION
from products_service.reservation_model import StockPosition
from products_service.reservations import shard_ledger, stock_ledger
from products_service.stock_shards import HotProductWatch, pick_shards

SHARDS = "/products/{}/stock-shards"


@pytest.fixture
def split(client, admin):
    def send(product_id: str, shards: int):
        return client.put(SHARDS.format(product_id), json={"shards": shards}, headers=admin)

    return send


@pytest.fixture
def ledger(app):
    def read() -> dict[tuple[str, int], StockPosition]:
        return shard_ledger(app.extensions[RESERVATIONS_EXTENSION])

    return read


@pytest.fixture
def hot_teapot(make_product, split) -> None:
    make_product(product_id="teapot", inventory_count=10)
    response = split("teapot", 4)
    assert response.status_code == 200, response.json


def shelf(ledger_now: dict[tuple[str, int], StockPosition], product_id: str) -> list[int]:
    return [position.current for (pid, _), position in sorted(ledger_now.items()) if pid == product_id]


def test_split_evenly_gives_the_remainder_to_the_first_shards():
    assert split_evenly(10, 4) == [3, 3, 2, 2]
    assert split_evenly(3, 4) == [1, 1, 1, 0]
    assert sum(split_evenly(999_999, 16)) == 999_999


def test_pick_shards_prefers_one_shard_holding_enough_then_splits_the_line():
    assert pick_shards(3, 1, None) == ((0, 3),)
    assert pick_shards(2, 4, [0, 0, 5, 0]) == ((2, 2),)
    takes = pick_shards(4, 4, [1, 2, 0, 1])
    assert sum(units for _, units in takes) == 4
    assert all(units <= [1, 2, 0, 1][shard] for shard, units in takes)
    assert len({shard for shard, _ in takes}) == len(takes)
    [(shard, units)] = pick_shards(9, 4, [1, 2, 0, 1])
    assert units == 9 and 0 <= shard < 4


def test_splitting_spreads_the_stock_and_shows_the_sum(hot_teapot, client, ledger):
    product = client.get("/products/teapot").json
    assert (product["inventory_count"], product["stock_shards"]) == (10, 4)
    assert shelf(ledger(), "teapot") == [3, 3, 2, 2]
    listed = client.get("/products").json["items"]
    assert [(p["product_id"], p["inventory_count"]) for p in listed] == [("teapot", 10)]
    assert client.get("/products?ids=teapot").json["items"][0]["inventory_count"] == 10
    assert client.get("/products?category=Kitchen").json["items"][0]["inventory_count"] == 10


def test_shards_only_grow_and_a_repeat_is_harmless(hot_teapot, split, ledger):
    assert split("teapot", 4).status_code == 200
    refused = split("teapot", 2)
    assert refused.status_code == 409
    assert "only grow" in refused.json["detail"]
    grown = split("teapot", 8)
    assert grown.json["stock_shards"] == 8
    assert sorted(shelf(ledger(), "teapot"), reverse=True) == [2, 2, 1, 1, 1, 1, 1, 1]


@pytest.mark.parametrize("body", [{"shards": 0}, {"shards": 17}, {"shards": "4"}, {}])
def test_a_bad_shard_count_is_422(make_product, split, client, admin, body):
    make_product(product_id="teapot")
    response = client.put(SHARDS.format("teapot"), json=body, headers=admin)
    assert response.status_code == 422


def test_only_an_admin_splits_and_an_unknown_product_is_404(make_product, client, shopper, split):
    make_product(product_id="teapot")
    assert client.put(SHARDS.format("teapot"), json={"shards": 4}, headers=shopper).status_code == 403
    assert split("nothing", 4).status_code == 404


def test_reservations_take_from_shards_and_give_back_to_the_same_ones(
    hot_teapot, reserve, step, stock, ledger
):
    for number in range(4):
        assert reserve(f"order-{number}", teapot=2).status_code == 201
    assert stock("teapot") == 2
    assert step("order-0", "release").status_code == 200
    assert step("order-1", "commit").status_code == 200
    assert step("order-2", "commit").status_code == 200
    assert step("order-2", "return").status_code == 200
    positions = ledger()
    initial = [3, 3, 2, 2]
    for shard in range(4):
        position = positions[("teapot", shard)]
        assert position.current >= 0
        assert position.current + position.reserved + position.sold == initial[shard], (shard, positions)
    assert stock_ledger_of(ledger) == StockPosition(current=6, reserved=2, sold=2)


def stock_ledger_of(ledger, product_id: str = "teapot") -> StockPosition:
    whole = [position for (pid, _), position in ledger().items() if pid == product_id]
    return StockPosition(*(sum(getattr(p, name) for p in whole) for name in ("current", "reserved", "sold")))


def test_a_line_falls_back_to_other_shards_and_splits_over_them(hot_teapot, reserve, stock, ledger, app):
    """10 units over shards of 3, 3, 2, 2: one line of 9 fits no shard alone, yet is reserved."""
    response = reserve("big", teapot=9)
    assert response.status_code == 201, response.json
    assert stock("teapot") == 1
    reservation = app.extensions[RESERVATIONS_EXTENSION].find("big")
    [line] = reservation.lines
    assert sum(units for _, units in line.takes) == 9 and len(line.takes) >= 3
    assert sum(shelf(ledger(), "teapot")) == 1


def test_short_of_stock_in_every_shard_names_the_whole_stock(hot_teapot, reserve, stock):
    assert reserve("most", teapot=8).status_code == 201
    short = reserve("too-many", teapot=3)
    assert short.status_code == 409
    assert short.json["short_items"] == [{"product_id": "teapot", "requested": 3, "available": 2}]
    assert stock("teapot") == 2
    assert reserve("the-rest", teapot=2).status_code == 201
    assert stock("teapot") == 0


def test_selling_out_a_split_product_sells_exactly_its_stock(hot_teapot, reserve, stock, ledger):
    answers = [reserve(f"order-{number}", teapot=1).status_code for number in range(14)]
    assert answers.count(201) == 10 and answers.count(409) == 4
    assert shelf(ledger(), "teapot") == [0, 0, 0, 0]
    assert stock("teapot") == 0


def test_restock_and_price_change_reach_every_shard(hot_teapot, client, admin, reserve, ledger):
    product = client.get("/products/teapot")
    changed = client.patch(
        "/products/teapot",
        json={"inventory_count": 21, "price": "25.00"},
        headers={**admin, "If-Match": product.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["inventory_count"] == 21
    assert shelf(ledger(), "teapot") == [6, 5, 5, 5]
    for number in range(4):
        reserved = reserve(f"order-{number}", teapot=1)
        assert reserved.status_code == 201
        assert reserved.json["items"][0]["unit_price"] == "25.00"


class FirstPickIs(random.Random):
    """Randomness whose first pick of a shard is `shard`, so a test can sell from the shard it names."""

    def __init__(self, shard: int) -> None:
        super().__init__()
        self.shard = shard

    def randrange(self, *args, **kwargs) -> int:
        return self.shard


@pytest.mark.parametrize("shard", range(4))
def test_an_edit_read_before_a_sale_from_any_shard_is_refused(
    make_product, split, client, admin, reserve, ledger, app, monkeypatch, shard
):
    """The issue's sequence: 40 units over 4 shards, read, sell 2, restock to 45 with the old ETag."""
    make_product(product_id="kettle", inventory_count=40)
    assert split("kettle", 4).status_code == 200
    seen = client.get("/products/kettle")
    assert seen.json["inventory_count"] == 40
    monkeypatch.setattr(stock_shards, "random", FirstPickIs(shard))
    assert reserve("order-1", kettle=2).status_code == 201
    [line] = app.extensions[RESERVATIONS_EXTENSION].find("order-1").lines
    assert line.takes == ((shard, 2),)

    now = client.get("/products/kettle")
    assert now.headers["ETag"] != seen.headers["ETag"]
    for stale_edit in ({"inventory_count": 45}, {"price": "25.00"}):
        refused = client.patch(
            "/products/kettle", json=stale_edit, headers={**admin, "If-Match": seen.headers["ETag"]}
        )
        assert refused.status_code == 412, refused.json
    assert now.json["inventory_count"] == 38

    restocked = client.patch(
        "/products/kettle", json={"inventory_count": 45}, headers={**admin, "If-Match": now.headers["ETag"]}
    )
    assert restocked.status_code == 200, restocked.json
    assert restocked.headers["ETag"] == client.get("/products/kettle").headers["ETag"]
    position = stock_ledger_of(ledger, "kettle")
    assert position == StockPosition(current=45, reserved=2, sold=0)


def test_the_etag_of_an_unsplit_product_is_its_version(make_product, client):
    make_product(product_id="mug")
    assert client.get("/products/mug").headers["ETag"] == '"1"'


def test_deleting_a_split_product_deletes_its_shards(hot_teapot, client, admin, ledger):
    assert client.delete("/products/teapot", headers=admin).status_code == 204
    assert not [key for key in ledger() if key[0] == "teapot"]


def test_the_ledger_of_an_unsplit_product_is_its_shard_zero(make_product, reserve, app, ledger):
    make_product(product_id="mug", inventory_count=4)
    reserve("order-1", mug=1)
    assert ledger()[("mug", 0)] == StockPosition(current=3, reserved=1, sold=0)
    assert stock_ledger(app.extensions[RESERVATIONS_EXTENSION])["mug"] == StockPosition(3, 1, 0)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_watch_names_a_product_once_when_its_rate_passes_the_threshold():
    clock = Clock()
    watch = HotProductWatch(per_second=2, window_seconds=5, clock=clock)
    named = []
    for _ in range(9):  # 9 in 5 s: below 2 a second
        named += watch.record(["teapot", "mug"])
        clock.now += 0.5
    assert named == []
    clock.now += 10
    for _ in range(10):
        named += watch.record(["teapot"])
        clock.now += 0.1
    assert named == ["teapot"]
    assert watch.record(["teapot"] * 20) == []


@pytest.fixture
def eager_app(app):
    """The app with a threshold so low that the third reservation of a product splits it."""
    app.config["HOT_PRODUCT_SHARDS"] = 4
    app.extensions[HOT_WATCH_EXTENSION] = HotProductWatch(per_second=0.3, window_seconds=10)
    return app


def test_a_product_reserved_fast_is_split_automatically(eager_app, make_product, reserve, client, ledger):
    make_product(product_id="teapot", inventory_count=12)
    for number in range(2):
        reserve(f"order-{number}", teapot=1)
    assert client.get("/products/teapot").json["stock_shards"] == 1
    reserve("order-2", teapot=1)
    product = client.get("/products/teapot").json
    assert (product["stock_shards"], product["inventory_count"]) == (4, 9)
    assert sum(position.current + position.reserved for position in ledger().values()) == 12
