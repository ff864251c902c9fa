"""The code's own definitions that Terraform is held to, looked up here and nowhere else in these tests.

When a definition moves (e.g. each service's table spec and route into its own package), only
these lookups change.
"""

from __future__ import annotations

from pathlib import Path

from devstack import shop_tables
from dynamo_common.tables import TableSpec
from gateway.routes import PUBLIC_ROUTES
from service_kit.routes import Route

SERVICES_DIR = Path(__file__).resolve().parents[2] / "terraform" / "services"
# One root per service team, by service name (terraform/services/<name>).
SERVICE_NAMES = tuple(sorted(path.name for path in SERVICES_DIR.iterdir() if path.is_dir()))


def code_table_specs() -> dict[str, TableSpec]:
    """Every service's table spec (`<package>.table.TABLE_SPEC`), by logical name."""
    return {spec.logical_name: spec for spec in shop_tables()}


def code_public_routes() -> tuple[Route, ...]:
    """The public routes table the gateway assembles from the services' own routes, in priority order."""
    return PUBLIC_ROUTES
