"""The migrate step for the sweep's index, on DynamoDB Local: reservations written before issue 14
(RESERVED, without `HeldShard`/`HeldSince`) become visible to recovery's sweep; a dry run writes
nothing; an interrupted run resumes; a second run changes nothing."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from dynamo_common import create_tables, to_item
from products_service import create_app
from products_service import table as attr
from products_service.backfill import BackfillProgress, backfill_held_index
from products_service.reservation_repository import RESERVATION_PREFIX, ReservationRepository

FAR_FUTURE = "9999-01-01T00:00:00.000Z"


class Interrupted(Exception):
    """Stands for a backfill killed half-way."""


def old_reservation(order_id: str, status: str, created_at: str | None = "2026-11-01T10:00:00.000Z") -> dict:
    """A reservation as written before issue 14: no sweep index attributes."""
    values: dict[str, Any] = {
        attr.PRODUCT_ID: RESERVATION_PREFIX + order_id,
        attr.STATUS: status,
        attr.RESERVATION_ITEMS: [
            {attr.PRODUCT_ID: "kettle", attr.NAME: "Kettle", attr.UNIT_PRICE: 20, attr.QUANTITY: 1}
        ],
    }
    if created_at:
        values[attr.CREATED_AT] = values[attr.UPDATED_AT] = created_at
    return to_item(values)


@pytest.fixture
def products_table(dynamo_client, dynamo_settings) -> str:
    """A products table of this test's own, so no other test's sweep sees these reservations."""
    prefix = f"bf{secrets.token_hex(3)}-"
    create_tables(dynamo_client, prefix, (attr.TABLE_SPEC,))
    table = attr.TABLE_SPEC.table_name(prefix)
    items = [old_reservation(f"old-{n}", "RESERVED") for n in range(5)] + [
        old_reservation("old-undated", "RESERVED", created_at=None),
        old_reservation("old-committed", "COMMITTED"),
        old_reservation("old-released", "RELEASED"),
        to_item({attr.PRODUCT_ID: "kettle", attr.NAME: "Kettle", attr.PRICE: 20, attr.INVENTORY_COUNT: 3}),
    ]
    for item in items:
        dynamo_client.put_item(TableName=table, Item=item)
    return table


def held(dynamo_client, table: str) -> set[str]:
    return set(ReservationRepository(dynamo_client, table).held_since_before(FAR_FUTURE, 100))


def test_the_backfill_makes_old_reservations_visible_to_the_sweep(dynamo_client, products_table):
    assert held(dynamo_client, products_table) == set()
    dry = backfill_held_index(dynamo_client, products_table, dry_run=True)
    assert (dry.found, dry.backfilled) == (6, 0)
    assert held(dynamo_client, products_table) == set()  # a dry run writes nothing

    pages: list[BackfillProgress] = []

    def stop_after_first_page(progress: BackfillProgress) -> None:
        pages.append(BackfillProgress(**vars(progress)))
        raise Interrupted

    with pytest.raises(Interrupted):
        backfill_held_index(dynamo_client, products_table, page_size=3, on_page=stop_after_first_page)
    first = pages[0]
    assert first.resume_from is not None and first.scanned == 3
    rest = backfill_held_index(dynamo_client, products_table, resume_from=first.resume_from)
    assert first.backfilled + rest.backfilled == 6 and rest.resume_from is None

    expected = {f"old-{n}" for n in range(5)} | {"old-undated"}
    assert held(dynamo_client, products_table) == expected  # settled ones are never marked held
    again = backfill_held_index(dynamo_client, products_table)
    assert (again.found, again.backfilled) == (0, 0)  # idempotent: nothing left to do


def test_the_command_reports_progress_and_writes_nothing_on_a_dry_run(
    dynamo_client, dynamo_settings, products_table, monkeypatch
):
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamo_settings.endpoint_url)
    monkeypatch.setenv("AWS_REGION", dynamo_settings.region)
    prefix = products_table.removesuffix(attr.TABLE_SPEC.table_name(""))
    app = create_app({"TESTING": True, "TABLE_PREFIX": prefix, "JWKS_URL": None, "EMIT_METRICS": False})
    dry = app.test_cli_runner().invoke(args=["backfill-held-index", "--dry-run", "--page-size", "4"])
    assert dry.exit_code == 0, dry.output
    assert "Would backfill 6 reservations." in dry.stdout
    assert "resume with --resume-from" in dry.stderr and "would backfill" in dry.stderr
    assert held(dynamo_client, products_table) == set()
    done = app.test_cli_runner().invoke(args=["backfill-held-index"])
    assert done.exit_code == 0 and "Backfilled 6 reservations." in done.stdout
    assert len(held(dynamo_client, products_table)) == 6
