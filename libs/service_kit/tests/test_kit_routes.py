"""Matching a path against a routes table, as the gateway and the load balancer do."""

from __future__ import annotations

import pytest

from service_kit.routes import Route, matching_service

ROUTES = (
    Route("books", ("/books", "/books/*", "/authors")),
    Route("basket", ("/basket", "/basket/*")),
    Route("fallback", ("/books/archive/*",)),
)


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/books", "books"),
        ("/books/some-title", "books"),
        ("/books/a/b", "books"),
        ("/authors", "books"),
        ("/basket/items/1", "basket"),
        ("/booksx", None),
        ("/authors/x", None),
        ("/Books", None),
        ("/", None),
    ],
)
def test_a_path_goes_to_the_service_of_the_first_matching_route(path, service):
    assert matching_service(path, ROUTES) == service


def test_the_first_matching_route_wins():
    assert matching_service("/books/archive/1", ROUTES) == "books"
    assert matching_service("/books/archive/1", reversed(ROUTES)) == "fallback"


def test_an_empty_table_routes_nothing():
    assert matching_service("/books", ()) is None
