"""`flask --app products_service seed`: load the shipped catalogue or a synthetic one."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from tqdm import tqdm

from products_service.api import REPOSITORY_EXTENSION
from products_service.seeding import (
    CatalogueError,
    load_catalogue,
    seed,
    shipped_catalogue,
    synthetic_products,
)


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


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_command)
