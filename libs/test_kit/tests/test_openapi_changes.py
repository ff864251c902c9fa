"""The breaking-change check between two OpenAPI documents."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from test_kit.openapi import breaking_changes

LINE = {
    "type": "object",
    "properties": {"product_id": {"type": "string"}, "quantity": {"type": "integer"}},
    "required": ["product_id", "quantity"],
}
BASE: dict[str, Any] = {
    "paths": {
        "/internal/reservations": {
            "post": {
                "parameters": [{"in": "header", "name": "Idempotency-Key", "required": False}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "order_id": {"type": "string"},
                                    "items": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Line"},
                                    },
                                    "note": {"type": "string"},
                                },
                                "required": ["order_id", "items"],
                            }
                        }
                    },
                },
                "responses": {
                    "201": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Reservation"}}
                        }
                    },
                    "409": {"content": {"application/problem+json": {"schema": {"type": "object"}}}},
                },
            }
        },
        "/products": {"get": {"responses": {"200": {"description": "ok"}}}},
    },
    "components": {
        "schemas": {
            "Line": LINE,
            "Reservation": {
                "type": "object",
                "properties": {
                    "status": {"type": "string"},
                    "items": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"unit_price": {"type": "string"}, "quantity": {"type": "integer"}},
                        },
                    },
                },
            },
        }
    },
}
POST = ("paths", "/internal/reservations", "post")


def changed(edit) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    edit(document)
    return document


def reservation(document: dict[str, Any]) -> dict[str, Any]:
    return document["components"]["schemas"]["Reservation"]


def request_schema(document: dict[str, Any]) -> dict[str, Any]:
    operation = document["paths"]["/internal/reservations"]["post"]
    return operation["requestBody"]["content"]["application/json"]["schema"]


def test_an_unchanged_document_breaks_nothing():
    assert breaking_changes(BASE, copy.deepcopy(BASE)) == []


def test_additions_nobody_has_to_send_break_nothing():
    def add(document):
        reservation(document)["properties"]["total_price"] = {"type": "string"}
        request_schema(document)["properties"]["channel"] = {"type": "string"}
        document["paths"]["/categories"] = {"get": {"responses": {}}}
        document["paths"]["/products"]["post"] = {"responses": {}}

    assert breaking_changes(BASE, changed(add)) == []


def test_dropping_a_request_field_or_its_requirement_breaks_nothing():
    def relax(document):
        del request_schema(document)["properties"]["note"]
        request_schema(document)["required"] = ["order_id"]

    assert breaking_changes(BASE, changed(relax)) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda d: d["paths"].pop("/products"),
            "/products: the path was removed (serve it under a new version instead)",
        ),
        (
            lambda d: d["paths"]["/internal/reservations"].pop("post"),
            "POST /internal/reservations: the operation was removed",
        ),
        (
            lambda d: reservation(d)["properties"]["items"]["items"]["properties"].pop("unit_price"),
            "POST /internal/reservations 201 response: items[].unit_price was removed",
        ),
        (
            lambda d: reservation(d)["properties"]["items"]["items"]["properties"].update(
                quantity={"type": "string"}
            ),
            "POST /internal/reservations 201 response: items[].quantity changed type from integer to string",
        ),
        (
            lambda d: reservation(d)["properties"].update(status={"type": "integer"}),
            "POST /internal/reservations 201 response: status changed type from string to integer",
        ),
        (
            lambda d: request_schema(d)["required"].append("note"),
            "POST /internal/reservations request: note is newly required",
        ),
        (
            lambda d: LINE_IN(d)["required"].append("gift"),
            "POST /internal/reservations request: items[].gift is newly required",
        ),
        (
            lambda d: d["paths"]["/internal/reservations"]["post"]["parameters"][0].update(required=True),
            "POST /internal/reservations: the header parameter 'Idempotency-Key' is newly required",
        ),
        (
            lambda d: d["paths"]["/internal/reservations"]["post"]["responses"].pop("201"),
            "POST /internal/reservations: the 201 response was removed",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_each_kind_of_breaking_change_is_named(edit, expected):
    assert breaking_changes(BASE, changed(edit)) == [expected]


def LINE_IN(document: dict[str, Any]) -> dict[str, Any]:
    return document["components"]["schemas"]["Line"]


def test_a_removed_response_status_other_than_success_is_not_checked():
    assert (
        breaking_changes(
            BASE, changed(lambda d: d["paths"]["/internal/reservations"]["post"]["responses"].pop("409"))
        )
        == []
    )


def test_a_path_may_go_once_a_higher_version_of_it_is_served():
    def version(document):
        document["paths"]["/internal/v1/reservations"] = document["paths"].pop("/internal/reservations")

    moved = changed(version)
    assert breaking_changes(BASE, moved) == []

    def bump(document):
        document["paths"]["/internal/v2/reservations"] = document["paths"].pop("/internal/v1/reservations")

    assert breaking_changes(moved, changed_from(moved, bump)) == []

    def back(document):
        document["paths"]["/internal/v0/reservations"] = document["paths"].pop("/internal/v1/reservations")

    assert breaking_changes(moved, changed_from(moved, back)) == [
        "/internal/v1/reservations: the path was removed (serve it under a new version instead)"
    ]


def changed_from(document: dict[str, Any], edit) -> dict[str, Any]:
    copied = copy.deepcopy(document)
    edit(copied)
    return copied
