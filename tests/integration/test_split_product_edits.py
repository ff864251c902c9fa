"""A split product's ETag on DynamoDB Local: an admin's edit based on a read from before a sale is
refused, whichever shard the sale took from (issue 20's sequence, one test per shard).

The products app runs in this process, on the session's DynamoDB Local tables and with the running
stack's settings, so the test can name the shard a sale takes from; everything below the app is real.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from products_service import create_app, stock_shards
from products_service.internal_api import RESERVATIONS_EXTENSION
from products_service.reservations import shard_ledger

SHARDS = 4


class FirstPickIs(random.Random):
    """Randomness whose pick of a shard is always `shard`, so the sale takes from the shard named."""

    def __init__(self, shard: int) -> None:
        super().__init__()
        self.shard = shard

    def randrange(self, *args: object, **kwargs: object) -> int:
        return self.shard


@pytest.fixture
def products(stack_variables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[FlaskClient]:
    for name, value in stack_variables.items():
        monkeypatch.setenv(name, value)
    app = create_app({"TESTING": True, "EMIT_METRICS": False})
    yield app.test_client()


@pytest.mark.parametrize("shard", range(SHARDS))
def test_a_restock_read_before_a_sale_from_any_shard_is_412(
    products: FlaskClient, auth_headers, monkeypatch: pytest.MonkeyPatch, shard: int
) -> None:
    admin = auth_headers("admin-" + uuid.uuid4().hex[:8], groups=["admin"])
    orders = auth_headers("orders", scopes=["shopsmart/internal"])
    body = {
        "name": "Kettle",
        "price": "30.00",
        "category": f"Cat-{uuid.uuid4().hex[:8]}",
        "inventory_count": 40,
    }
    product_id = products.post("/products", json=body, headers=admin).json["product_id"]
    split = products.put(f"/products/{product_id}/stock-shards", json={"shards": SHARDS}, headers=admin)
    assert split.status_code == 200, split.json
    seen = products.get(f"/products/{product_id}")
    assert seen.json["inventory_count"] == 40

    monkeypatch.setattr(stock_shards, "random", FirstPickIs(shard))
    order_id = uuid.uuid4().hex
    sold = products.post(
        "/internal/v1/reservations",
        json={"order_id": order_id, "items": [{"product_id": product_id, "quantity": 2}]},
        headers=orders,
    )
    assert sold.status_code == 201, sold.json
    reservations = products.application.extensions[RESERVATIONS_EXTENSION]
    assert reservations.find(order_id).lines[0].takes == ((shard, 2),)

    stale = products.patch(
        f"/products/{product_id}",
        json={"inventory_count": 45},
        headers={**admin, "If-Match": seen.headers["ETag"]},
    )
    assert stale.status_code == 412, stale.json
    now = products.get(f"/products/{product_id}")
    assert now.json["inventory_count"] == 38

    fresh = products.patch(
        f"/products/{product_id}",
        json={"inventory_count": 45},
        headers={**admin, "If-Match": now.headers["ETag"]},
    )
    assert fresh.status_code == 200, fresh.json
    ledger = {key: position for key, position in shard_ledger(reservations).items() if key[0] == product_id}
    assert sum(p.current for p in ledger.values()) == 45
    assert sum(p.reserved for p in ledger.values()) == 2
    assert ledger[(product_id, shard)].reserved == 2
