"""How every ShopSmart view reads its arguments: webargs' Flask parser, with JSON that Python
refuses to read answered like any other unreadable JSON (400), never as an unexpected error.

The standard library raises `JSONDecodeError` for bad syntax, which webargs turns into a 400; but
it refuses an integer of more than 4,300 digits (a guard against quadratic-time conversion) with
a plain `ValueError`, which webargs lets through to the unexpected-error handler as a 500.
"""

from __future__ import annotations

import json
from typing import Any

import flask
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser


class ShopParser(FlaskParser):
    """webargs' Flask parser; any `ValueError` reading the JSON body is unreadable JSON (400)."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs' own handling: an empty body is "missing", anything else a 400
        except (ValueError, RecursionError) as exc:
            # RecursionError cannot arrive past the depth guard; it is here so that a body that
            # slipped by the guard is still the client's fault, not ours.
            self._handle_invalid_json_error(json.JSONDecodeError(str(exc), "", 0), req)


class ShopBlueprint(Blueprint):
    """flask-smorest's Blueprint reading arguments with ShopParser; every service's API uses it."""

    ARGUMENTS_PARSER = ShopParser()
