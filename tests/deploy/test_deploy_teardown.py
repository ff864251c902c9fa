"""The last test of the deploy tier (its file sorts last): destroying every root leaves nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from deploy_harness import PLATFORM, ROOTS, SERVICE_ROOTS, Deployment


def test_destroying_every_root_leaves_nothing(shop: Deployment) -> None:
    with ThreadPoolExecutor(max_workers=len(SERVICE_ROOTS)) as pool:
        list(pool.map(shop.destroy, SERVICE_ROOTS))
    shop.destroy(PLATFORM)
    for root in ROOTS:
        assert shop.state(root) == [], root
    assert shop.client("dynamodb").list_tables()["TableNames"] == []
