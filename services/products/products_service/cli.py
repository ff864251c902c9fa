"""`flask --app products_service seed`: load the shipped catalogue or a synthetic one;
`backfill-held-index`: the migrate step for the sweep's index (see `backfill`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from tqdm import tqdm

from products_service.api import REPOSITORY_EXTENSION
from products_service.backfill import DEFAULT_PAGE_SIZE, BackfillProgress, backfill_held_index
from products_service.seeding import (
    CatalogueError,
    load_catalogue,
    seed,
    shipped_catalogue,
    synthetic_products,
)
from service_kit.app import DYNAMODB_EXTENSION


@click.command("seed")
@click.option(
    "--file",
    "catalogue_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A JSON Lines catalogue (default: the one shipped with the service).",
)
@click.option("--synthetic", type=click.IntRange(min=1), help="Generate this many products instead.")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the catalogue already has products.")
def seed_command(catalogue_file: Path | None, synthetic: int | None, if_empty: bool) -> None:
    """Add the catalogue's products that are missing; existing ones are left as they are."""
    repository = current_app.extensions[REPOSITORY_EXTENSION]
    if catalogue_file and synthetic:
        raise click.UsageError("Give --file or --synthetic, not both.")
    if if_empty and repository.categories():
        click.echo("The catalogue already has products; nothing seeded.")
        return
    if synthetic:
        products, total, source = synthetic_products(synthetic), synthetic, f"{synthetic} synthetic"
    else:
        path = catalogue_file or shipped_catalogue()
        try:
            products = load_catalogue(path)
        except CatalogueError as exc:
            raise click.ClickException(str(exc)) from exc
        total, source = len(products), str(path)
    with tqdm(total=total, unit="product", desc="seeding", file=sys.stderr) as bar:
        added = seed(repository, products, progress=bar.update)
    click.echo(f"Seeded {added} new products from {source} ({total - added} were already there).")


@click.command("backfill-held-index")
@click.option("--dry-run", is_flag=True, help="Count the reservations to backfill; write nothing.")
@click.option("--resume-from", help="Continue after this key (printed by an interrupted run).")
@click.option(
    "--page-size", type=click.IntRange(min=1, max=1000), default=DEFAULT_PAGE_SIZE, show_default=True
)
@with_appcontext
def backfill_command(dry_run: bool, resume_from: str | None, page_size: int) -> None:
    """Give RESERVED reservations from before the sweep's index its attributes. Safe to repeat."""
    repository = current_app.extensions[REPOSITORY_EXTENSION]

    def report(progress: BackfillProgress) -> None:
        done = "would backfill" if dry_run else "backfilled"
        count = progress.found if dry_run else progress.backfilled
        after = f"; resume with --resume-from '{progress.resume_from}'" if progress.resume_from else ""
        click.echo(
            f"scanned {progress.scanned} items, {done} {count}, {progress.raced} moved on meanwhile{after}",
            err=True,
        )

    progress = backfill_held_index(
        current_app.extensions[DYNAMODB_EXTENSION],
        repository.table_name,
        dry_run,
        resume_from,
        page_size,
        on_page=report,
    )
    verb = "Would backfill" if dry_run else "Backfilled"
    click.echo(f"{verb} {progress.found if dry_run else progress.backfilled} reservations.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(backfill_command)
