"""Why shards exist: a split product's reservations spread their writes over every shard.

A reservation that always took shard 0 would pass every other test (the stock adds up, the audit
is clean), while capping the product at one item's write limit again.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from products_service.internal_api import RESERVATIONS_EXTENSION
from products_service.reservations import reserve, shard_ledger

SHARDS = 4
PER_SHARD = 100
RESERVATIONS = 40  # fewer than a shard holds, so no reservation is ever pushed off a short shard


@pytest.fixture
def seeded_random() -> Iterator[None]:
    """The shard choice is random: seeded here so the test never flakes, and restored after."""
    state = random.getstate()
    random.seed(20261205)
    yield
    random.setstate(state)


def test_reservations_of_a_split_product_write_every_shard(app, client, admin, make_product, seeded_random):
    make_product(product_id="viral", inventory_count=SHARDS * PER_SHARD)
    split = client.put("/products/viral/stock-shards", json={"shards": SHARDS}, headers=admin)
    assert split.status_code == 200, split.json
    repository = app.extensions[RESERVATIONS_EXTENSION]
    for number in range(RESERVATIONS):
        reserve(repository, f"order-{number}", {"viral": 1})

    taken = {
        shard: PER_SHARD - position.current for (pid, shard), position in shard_ledger(repository).items()
    }
    assert sum(taken.values()) == RESERVATIONS
    assert sorted(taken) == list(range(SHARDS))
    # Every shard was written, and none took more than half of the reservations.
    assert all(0 < units <= RESERVATIONS // 2 for units in taken.values()), taken
