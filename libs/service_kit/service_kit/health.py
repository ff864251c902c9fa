"""`/health/live` (the process answers) and `/health/ready` (its table answers)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Flask

from service_kit.problems import ServiceUnavailable

logger = logging.getLogger("shopsmart.health")

ReadinessCheck = Callable[[], None]


def health_blueprint(readiness_check: ReadinessCheck) -> Blueprint:
    """Health routes; `readiness_check` raises when a dependency the service needs is down."""
    blueprint = Blueprint("health", __name__)

    @blueprint.get("/health/live")
    def live() -> dict[str, str]:
        return {"status": "live"}

    @blueprint.get("/health/ready")
    def ready() -> dict[str, str]:
        try:
            readiness_check()
        except Exception as exc:
            logger.warning("not ready", extra={"error": str(exc)})
            raise ServiceUnavailable("A dependency is not ready.", retry_after=1) from exc
        return {"status": "ready"}

    return blueprint


def register_health(app: Flask, readiness_check: ReadinessCheck) -> None:
    app.register_blueprint(health_blueprint(readiness_check))
