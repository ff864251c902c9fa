"""`flask --app orders_service recover`: resolve unfinished checkouts now."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from orders_service.api import CHECKOUT_EXTENSION, REPOSITORY_EXTENSION
from orders_service.recovery import recover_due_orders

STOCK_EXTENSION = "orders.stock"


def run_recovery(app: Flask) -> dict[str, int]:
    with app.app_context():
        outcomes = recover_due_orders(
            app.extensions[REPOSITORY_EXTENSION],
            app.extensions[CHECKOUT_EXTENSION],
            app.extensions[STOCK_EXTENSION],
            sweep_age_seconds=int(app.config["RESERVATION_SWEEP_AGE_SECONDS"]),
        )
    return dict(outcomes)


@click.command("recover")
@with_appcontext
def recover_command() -> None:
    """Resolve orders whose checkout or cancel stopped half-way. Safe to run at any time."""
    outcomes = run_recovery(current_app._get_current_object())  # type: ignore[attr-defined]
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
    click.echo(f"Recovery: {summary or 'nothing to do'}.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(recover_command)
