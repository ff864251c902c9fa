"""Seeding: the shipped catalogue, broken files, re-runs and synthetic catalogues."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result

from products_service.api import REPOSITORY_EXTENSION
from products_service.seeding import CatalogueError, load_catalogue, seed, shipped_catalogue

FRONTEND = Path(__file__).resolve().parents[3] / "frontend"


def run_seed(app, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["seed", *args])


def test_shipped_catalogue_is_rich_and_has_local_images():
    products = load_catalogue(shipped_catalogue())
    assert len(products) >= 60
    assert len({p.category for p in products}) >= 6
    for product in products:
        assert product.image_url and product.image_url.startswith("/images/")
        image = FRONTEND / product.image_url.lstrip("/")
        assert image.is_file(), image
        assert b"http" not in image.read_bytes().replace(b"http://www.w3.org", b"")


def test_seed_command_loads_everything_once(app, client):
    first = run_seed(app)
    assert first.exit_code == 0, first.output
    total = len(load_catalogue(shipped_catalogue()))
    assert f"Seeded {total} new products" in first.output
    counts = {c["name"]: c["product_count"] for c in client.get("/categories").json["items"]}
    assert sum(counts.values()) == total

    second = run_seed(app)
    assert second.exit_code == 0, second.output
    assert "Seeded 0 new products" in second.output
    counts_again = {c["name"]: c["product_count"] for c in client.get("/categories").json["items"]}
    assert counts_again == counts


def test_reseeding_never_resets_changed_stock(app, client, admin):
    run_seed(app)
    product_id = load_catalogue(shipped_catalogue())[0].product_id
    client.patch(f"/products/{product_id}", json={"inventory_count": 1}, headers={**admin, "If-Match": "*"})
    run_seed(app)
    assert client.get(f"/products/{product_id}").json["inventory_count"] == 1


def _write_catalogue(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD_LINE = json.dumps(
    {"product_id": "a", "name": "A", "price": "1.00", "category": "Kitchen", "inventory_count": 1}
)


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("{not json", "not valid JSON"),
        (
            json.dumps(
                {"product_id": "b", "name": "B", "price": "1.001", "category": "K", "inventory_count": 1}
            ),
            "price",
        ),
        (json.dumps({"name": "B", "price": "1.00", "category": "K", "inventory_count": 1}), "product_id"),
        (GOOD_LINE, "repeats line 1"),
    ],
)
def test_a_broken_file_names_the_line_and_writes_nothing(app, client, tmp_path, bad_line, message):
    path = _write_catalogue(tmp_path / "broken.jsonl", [GOOD_LINE, bad_line])
    result = run_seed(app, "--file", str(path))
    assert result.exit_code == 1
    assert f"{path}:2:" in result.output
    assert message in result.output
    assert client.get("/products").json["items"] == []


def test_load_catalogue_rejects_an_empty_or_missing_file(tmp_path):
    with pytest.raises(CatalogueError, match="holds no products"):
        load_catalogue(_write_catalogue(tmp_path / "empty.jsonl", [""]))
    with pytest.raises(CatalogueError, match="cannot be read"):
        load_catalogue(tmp_path / "missing.jsonl")


def test_synthetic_catalogue_is_deterministic_and_not_duplicated(app, client):
    assert run_seed(app, "--synthetic", "230").exit_code == 0
    assert "Seeded 0 new" in run_seed(app, "--synthetic", "230").output
    assert "Seeded 20 new" in run_seed(app, "--synthetic", "250").output
    counts = [c["product_count"] for c in client.get("/categories").json["items"]]
    assert sum(counts) == 250 and len(counts) == 10


def test_seed_reports_progress_for_every_product(app):
    seen: list[int] = []
    repository = app.extensions[REPOSITORY_EXTENSION]
    products = load_catalogue(shipped_catalogue())
    seed(repository, products, progress=seen.append)
    seed(repository, products, progress=seen.append)
    assert sum(seen) == 2 * len(products)


def test_seed_options_are_exclusive_and_if_empty_skips(app, tmp_path):
    path = _write_catalogue(tmp_path / "one.jsonl", [GOOD_LINE])
    assert run_seed(app, "--file", str(path), "--synthetic", "3").exit_code == 2
    assert run_seed(app, "--file", str(path)).exit_code == 0
    skipped = run_seed(app, "--if-empty")
    assert skipped.exit_code == 0 and "nothing seeded" in skipped.output
