"""What a viral product page costs the origin: origin reads per second of one product at a given
number of views per second and cache lifetime, against what one DynamoDB item can serve.

The model: every cache holding the page asks the origin at most once per lifetime for each
variant of its cache key (CloudFront merges concurrent misses for one key into one origin request,
and `stale-while-revalidate` serves the old copy while that one revalidation runs). Without Origin
Shield each regional edge cache asks on its own; with it, one cache asks for all of them. Each
origin request is one product read, answered 200 or, unchanged, 304 — the read is the same.

The units of one origin read and the 304 share of revalidations come from a recorded run against
the products service (its EMF lines, by request id).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import urllib3

from bench.measure import emf_costs
from bench.stack import BenchStack
from products_service.api import PRODUCT_CACHING
from products_service.repository import ProductRepository
from products_service.seeding import seed, synthetic_products
from products_service.table import TABLE_SPEC as PRODUCTS_TABLE

# CloudFront's regional edge caches (aws.amazon.com/cloudfront/features, read 2026-12-05).
REGIONAL_EDGE_CACHES = 13
# Accept-Encoding in the cache key, normalised by CloudFront: br, gzip, or neither.
ENCODING_VARIANTS = 3
# One item serves at most 3,000 read units a second (6,000 eventually consistent reads of ≤ 4 KB).
ITEM_READ_UNITS_PER_SECOND = 3000
TARGET_VIEWS_PER_SECOND = 1_000_000
TARGET_ORIGIN_READS_PER_SECOND = 10
RECORDED_VIEWS = 40


@dataclass(frozen=True)
class Front:
    """What stands between the shoppers and the origin."""

    label: str
    caches: int  # caches that each revalidate on their own; 0: no cache at all


NO_CDN = Front("no CDN", 0)
EDGE_ONLY = Front("CloudFront, no Origin Shield", REGIONAL_EDGE_CACHES)
SHIELDED = Front("CloudFront + Origin Shield", 1)


def origin_reads_per_second(views_per_second: float, ttl_seconds: float, front: Front) -> float:
    """Origin requests per second for one product page."""
    if front.caches == 0 or ttl_seconds <= 0:
        return views_per_second
    return min(views_per_second, front.caches * ENCODING_VARIANTS / ttl_seconds)


def record_views(stack: BenchStack, views: int = RECORDED_VIEWS) -> dict[str, Any]:
    """`views` reads of one product as a cache makes them: the first whole, then revalidations
    with its ETag (an edit halfway makes one of them a 200). Their 304 share and read units."""
    http = urllib3.PoolManager(maxsize=2, timeout=30.0)
    [product] = list(synthetic_products(1))
    repository = ProductRepository(stack.client, stack.settings.table_name(PRODUCTS_TABLE))
    seed(repository, [product])
    url = f"{stack.urls['products']}/products/{product.product_id}"
    etag, statuses, request_ids = None, [], []
    for number in range(views):
        if number == views // 2:
            current = repository.get(product.product_id, consistent=True)
            repository.replace(current, current.changed({"description": "edited"}, current.updated_at))
        request_id = uuid.uuid4().hex
        headers = {"X-Request-ID": request_id, **({"If-None-Match": etag} if etag else {})}
        response = http.request("GET", url, headers=headers)
        statuses.append(response.status)
        request_ids.append(request_id)
        etag = response.headers.get("ETag", etag)
    costs = emf_costs(stack.service_logs, request_ids)
    units = sorted(cost.capacity_units for cost in costs)
    revalidations = statuses[1:]
    return {
        "views": views,
        "not_modified_share_of_revalidations": round(revalidations.count(304) / len(revalidations), 3),
        "statuses": {str(status): statuses.count(status) for status in sorted(set(statuses))},
        "read_units_per_origin_read": float(units[len(units) // 2]),
        "dynamodb_calls_per_origin_read": sorted(cost.calls for cost in costs)[len(costs) // 2],
    }


def page_view_model(read_units_per_origin_read: float) -> dict[str, Any]:
    """The origin's reads and read units of one product at the target's views per second."""
    ttl = PRODUCT_CACHING.max_age
    units = Decimal(str(read_units_per_origin_read))
    fronts = {}
    for front in (NO_CDN, EDGE_ONLY, SHIELDED):
        reads = origin_reads_per_second(TARGET_VIEWS_PER_SECOND, ttl, front)
        read_units = float(Decimal(str(reads)) * units)
        fronts[front.label] = {
            "origin_reads_per_second": round(reads, 2),
            "read_units_per_second": round(read_units, 2),
            "within_item_limit": read_units <= ITEM_READ_UNITS_PER_SECOND,
            "meets_target": reads <= TARGET_ORIGIN_READS_PER_SECOND,
        }
    return {
        "views_per_second": TARGET_VIEWS_PER_SECOND,
        "max_age_seconds": ttl,
        "stale_while_revalidate_seconds": PRODUCT_CACHING.stale_while_revalidate,
        "cache_key_variants": ENCODING_VARIANTS,
        "regional_edge_caches": REGIONAL_EDGE_CACHES,
        "item_read_units_per_second": ITEM_READ_UNITS_PER_SECOND,
        "target_origin_reads_per_second": TARGET_ORIGIN_READS_PER_SECOND,
        "fronts": fronts,
    }
