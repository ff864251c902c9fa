"""The OpenAPI document names every problem an operation can answer, as problem+json."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.views import MethodView
from marshmallow import Schema, fields

from service_kit.api_docs import problem_responses
from service_kit.app import init_service, load_config
from service_kit.arguments import ShopBlueprint
from service_kit.problems import PROBLEM_CONTENT_TYPE

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


class ParcelSchema(Schema):
    weight = fields.Decimal(as_string=True, required=True)
    label = fields.String()


def parcels_blueprint() -> ShopBlueprint:
    blp = ShopBlueprint("parcels", __name__)

    @blp.route("/parcels")
    class Parcels(MethodView):
        @blp.response(200, ParcelSchema(many=True))
        def get(self) -> list[dict[str, Any]]:
            return []

        @blp.arguments(ParcelSchema)
        @blp.response(201, ParcelSchema)
        @problem_responses(blp, 409)
        @blp.doc(security=[{"bearerAuth": []}])
        def post(self, parcel: dict[str, Any]) -> dict[str, Any]:
            return parcel

    return blp


@pytest.fixture
def spec() -> dict[str, Any]:
    app = Flask("kit_docs_service")
    load_config(app, {}, {"TESTING": True})
    init_service(app, "docs", lambda: None).register_blueprint(parcels_blueprint())
    return app.test_client().get("/openapi.json").json


def test_every_error_response_is_problem_json(spec):
    for name, response in spec["components"]["responses"].items():
        assert response["content"] == {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}}, name


def test_no_catch_all_default_response(spec):
    for operation in spec["paths"]["/parcels"].values():
        assert "default" not in operation["responses"]


def test_shared_problems_follow_from_the_operation(spec):
    read = spec["paths"]["/parcels"]["get"]["responses"]
    write = spec["paths"]["/parcels"]["post"]["responses"]
    assert set(read) == {"200", "414", "503"}
    assert set(write) == {"201", "400", "401", "403", "409", "413", "414", "422", "503"}
    assert write["409"] == {"$ref": "#/components/responses/CONFLICT"}


def test_an_amount_written_as_a_string_is_documented_as_one(spec):
    weight = spec["components"]["schemas"]["Parcel"]["properties"]["weight"]
    assert weight == {"type": "string", "format": "decimal"}


def test_a_problem_may_carry_extension_members(spec):
    assert spec["components"]["schemas"]["Problem"]["additionalProperties"] is True
