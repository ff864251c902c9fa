"""What schemathesis's generated JSON cannot express, sent to every operation that reads a JSON
body, on the running stack: numbers Python refuses or overflows on (integers of thousands of
digits, `1e400`, `NaN`, `Infinity`) written as raw JSON text, and crafted cart versions (deep
nesting inside the base64, huge or fractional quantities, negative or over-precise prices, odd
ids, too many lines; and well-formed versions at prices nobody showed). Every answer must be a
4xx or a success, never a 5xx.

The operations come from each service's own `/openapi.json`, so a new operation is fuzzed too;
`SHOPSMART_FUZZ_EXAMPLES` bodies each (10 in `make test`, 100 in `make fuzz`), seeded.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Callable
from typing import Any

import hypothesis
import pytest
import requests
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("SHOPSMART_FUZZ_EXAMPLES", "10"))
TIMEOUT = 30
SERVICES = ("products", "cart", "orders")
INTERNAL_PREFIX = "/internal/"
JSON = "application/json"

# Raw JSON number texts: what Python refuses (over 4,300 digits), overflows (1e400 → inf) or
# reads as non-finite (NaN and Infinity are accepted by Python's parser).
HUGE_NUMBERS = st.sampled_from(
    [
        "9" * 4301,
        "-" + "9" * 5000,
        "1" + "0" * 20000,
        "1e400",
        "-1e400",
        "1e-400",
        "NaN",
        "Infinity",
        "-Infinity",
    ]
)
ODD_NUMBERS = st.sampled_from(["-1", "0", "1.5", "99.999", "100", "1e2", "-0", "18446744073709551616"])
ODD_TEXTS = st.sampled_from(
    ["", "a\n", "caf\u00e9", "\u0664", "-1", "1_000", "1e3", "4.505", " 4.50", "x" * 2000]
)


def _version(payload: str) -> str:
    return "v1." + base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


_line_parts = st.tuples(
    st.sampled_from(['"p1"', '"fuzz-a"', '"a\\n"', '""', "7", "null"]),
    st.one_of(st.sampled_from(["1", "2", "99"]), HUGE_NUMBERS, ODD_NUMBERS),
    st.one_of(
        st.sampled_from(['"4.99"', '"12.50"', "null", '"0"', '"999999.99"']),
        HUGE_NUMBERS,
        ODD_TEXTS.map(json.dumps),
    ),
    st.sampled_from(['""', '"2026-12-05T00:00:00.000000Z"', "5", '"<x>"']),
).map(lambda parts: "[" + ",".join(parts) + "]")
CRAFTED_VERSIONS = st.one_of(
    st.lists(_line_parts, max_size=4).map(lambda lines: _version("[" + ",".join(lines) + "]")),
    st.integers(min_value=33, max_value=6000).map(lambda depth: _version("[" * depth)),
    st.integers(min_value=51, max_value=60).map(
        lambda n: _version(json.dumps([[f"p{i}", 1, "1.00", ""] for i in range(n)]))
    ),
    st.binary(max_size=64).map(lambda raw: "v1." + base64.urlsafe_b64encode(raw).decode()),
    ODD_TEXTS,
).map(json.dumps)

HOSTILE_VALUES = st.recursive(
    st.one_of(HUGE_NUMBERS, ODD_NUMBERS, ODD_TEXTS.map(json.dumps), CRAFTED_VERSIONS, st.just("true")),
    lambda inner: st.lists(inner, max_size=3).map(lambda items: "[" + ",".join(items) + "]"),
    max_leaves=6,
)


def _body(fields: list[str]) -> st.SearchStrategy[bytes]:
    """A JSON object of the operation's documented fields (and `cart_version`), each a hostile
    value written as raw JSON text; some fields left out."""
    names = sorted({*fields, "cart_version"})
    entries = st.lists(st.tuples(st.sampled_from(names), HOSTILE_VALUES), min_size=1, max_size=len(names) + 1)
    return entries.map(
        lambda pairs: ("{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in pairs) + "}").encode()
    )


def _json_operations(document: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(method, path, documented body fields) of every operation that reads a JSON body."""
    schemas = document.get("components", {}).get("schemas", {})
    found = []
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            content = (
                (operation.get("requestBody") or {}).get("content", {}) if isinstance(operation, dict) else {}
            )
            if JSON not in content:
                continue
            schema = content[JSON].get("schema", {})
            if "$ref" in schema:
                schema = schemas.get(schema["$ref"].rsplit("/", 1)[1], {})
            found.append((method.upper(), path, sorted(schema.get("properties", {}))))
    return found


@pytest.fixture(scope="module")
def operations(
    start_service: Callable[[str], str],
) -> dict[str, tuple[str, list[tuple[str, str, list[str]]]]]:
    found = {}
    for name in SERVICES:
        base = start_service(name)
        document = requests.get(f"{base}/openapi.json", timeout=TIMEOUT).json()
        found[name] = (base, _json_operations(document))
    return found


@pytest.mark.parametrize("service_name", SERVICES)
# Hypothesis warns when a failing body's repr is long, as these are by design.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
def test_hostile_json_bodies_are_never_a_5xx(service_name, operations, admin, shopper, service):
    base, service_operations = operations[service_name]
    assert service_operations, f"{service_name} documents no JSON body to fuzz"
    caller = admin if service_name == "products" else shopper
    answered: list[tuple[str, int]] = []

    @hypothesis.settings(
        max_examples=EXAMPLES * len(service_operations),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(data=st.data())
    def send(data: st.DataObject) -> None:
        method, path, fields = data.draw(st.sampled_from(service_operations), label="operation")
        body = data.draw(_body(fields), label="body")
        target = path.replace("{", "").replace("}", "")  # every path parameter as a plain id
        headers = {
            **(service if path.startswith(INTERNAL_PREFIX) else caller),
            "Content-Type": JSON,
            "Idempotency-Key": uuid.uuid4().hex,
            "If-Match": "*",
        }
        answer = requests.request(method, f"{base}{target}", data=body, headers=headers, timeout=TIMEOUT)
        answered.append((f"{method} {path}", answer.status_code))
        assert answer.status_code < 500, (
            f"{method} {path} with {body[:300]!r} → {answer.status_code}: {answer.text[:300]}"
        )

    send()
    assert {operation for operation, _ in answered} == {f"{m} {p}" for m, p, _ in service_operations}
