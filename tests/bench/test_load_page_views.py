"""`make load`'s hot-page report: the 304 share of page views and what each view cost DynamoDB,
told apart from the other reads of the product by the views' request ids."""

from __future__ import annotations

import json

from load.run import PAGE_REQUEST_PREFIX, PAGE_ROUTE, page_views


def emf(route: str, request_id: str, calls: int, units: float) -> str:
    document = {"_aws": {}, "Route": route, "request_id": request_id, "DynamoDBCalls": calls}
    return json.dumps({**document, "ConsumedReadCapacity": units})


def test_page_views_count_only_the_views_reads(tmp_path):
    log = tmp_path / "products.log"
    log.write_text(
        "\n".join(
            [
                "[INFO] Booting worker",
                emf(PAGE_ROUTE, f"{PAGE_REQUEST_PREFIX}1", 2, 1.0),
                emf(PAGE_ROUTE, f"{PAGE_REQUEST_PREFIX}2", 2, 1.0),
                # The cart's own read of the product while a buyer adds it: not a page view.
                emf(PAGE_ROUTE, "cart-request", 5, 9.0),
                emf("GET /products", f"{PAGE_REQUEST_PREFIX}3", 7, 9.0),
            ]
        )
    )
    views = page_views({"page_200": 1, "page_304": 3, "2xx": 10}, log)
    assert views == {
        "views": 4,
        "not_modified_share": 0.75,
        "views_reaching_products": 2,
        "dynamodb_reads_per_view": 2.0,
        "read_units_per_view": 1.0,
    }
