"""Property-based fuzzing of each service's published OpenAPI document, against the running stack.

schemathesis reads `/openapi.json` from the service under gunicorn (on DynamoDB Local) and sends
generated requests, valid and invalid. Most carry a real token (an admin's on the catalogue, a
shopper's on carts and orders, the service credential on `/internal/...`); the others carry what
an attacker would: the generated `Authorization` header, an expired token, a validly signed token
with malformed claims, or none, chosen from each case's own data. `Idempotency-Key` is generated
too. Every response must be no 5xx, carry a documented status and content type, and match the
documented schema: the document is the contract clients are built from, so a mismatch is a bug on
one side or the other.

Two phases per service: each operation on its own, then stateful sequences that follow the
document's links (a created product read, changed and deleted; an order read and cancelled).
`SHOPSMART_FUZZ_EXAMPLES` sets the examples per operation and the stateful scenarios: a short run
(10) in `make test`, 100 in `make fuzz`. The run is seeded: the same requests each time.

Products, a filled cart and an order are arranged for the cart and orders runs (after the catalogue
run, which creates, changes and deletes products of its own), so reads return real items and each
generated checkout has something to buy.
"""

from __future__ import annotations

import functools
import json
import os
import uuid
import zlib
from collections.abc import Callable
from typing import Any

import hypothesis
import jwt
import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from devstack.keys import DevKeys, mint_token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("SHOPSMART_FUZZ_EXAMPLES", "10"))
SEED = 20_260_311
FUZZ_CONFIG = {
    "seed": SEED,
    "request-timeout": 10,
    "generation": {"mode": "all", "max-examples": EXAMPLES, "deterministic": True, "database": "none"},
    # No examples are documented. The stateful phase runs as the state machines below.
    "phases": {"examples": {"enabled": False}},
}
STATEFUL_STEPS = 6
# A scenario's rules depend on what the server answered earlier (a link is followed only once its
# bundle holds a response), so a replayed prefix can draw differently; each such run resumes
# under the next seed, as schemathesis's own runner does, up to this many times.
STATEFUL_RESUMES = 20
# Out of every ten cases, by a checksum of the case's own data: seven carry the caller's real
# token, three a hostile credential (one each of those below, in turn).
REAL_TOKEN_SHARE = 7
HOSTILE_CREDENTIALS = ("generated", "expired", "malformed", "none")
INTERNAL_PREFIX = "/internal/"
TIMEOUT = 10


def _schema(base_url: str) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict(FUZZ_CONFIG)
    return schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=config, timeout=TIMEOUT)


def _ok(response: requests.Response, status: int) -> requests.Response:
    assert response.status_code == status, response.text
    return response


@pytest.fixture(scope="module")
def stock_product(start_service: Callable[[str], str], admin: dict[str, str]) -> Callable[[str], str]:
    """`stock_product(price)` → the id of a new product with stock enough for every generated
    checkout, in a category of its own."""
    products = start_service("products")
    category = f"Fuzz-{uuid.uuid4().hex[:8]}"

    def create(price: str) -> str:
        body = {"name": f"Fuzz {price}", "price": price, "category": category, "inventory_count": 100_000}
        created = _ok(requests.post(f"{products}/products", json=body, headers=admin, timeout=TIMEOUT), 201)
        return created.json()["product_id"]

    return create


@pytest.fixture(scope="module")
def fill_cart(
    start_service: Callable[[str], str], stock_product: Callable[[str], str], shopper: dict[str, str]
) -> Callable[[], None]:
    """Empty the shopper's cart, then put one of each stocked product in it. A stocked product
    the catalogue's stateful run deleted (links lead from any listed product to its DELETE) is
    replaced by a new one at the same price."""
    cart = start_service("cart")
    stocked = {price: stock_product(price) for price in ("4.99", "12.50", "100")}

    def fill() -> None:
        _ok(requests.delete(f"{cart}/cart", headers=shopper, timeout=TIMEOUT), 204)
        for price, product_id in stocked.items():
            put = functools.partial(requests.put, json={"quantity": 1}, headers=shopper, timeout=TIMEOUT)
            answer = put(f"{cart}/cart/items/{product_id}")
            if answer.status_code == 404:
                stocked[price] = product_id = stock_product(price)
                answer = put(f"{cart}/cart/items/{product_id}")
            _ok(answer, 200)

    return fill


@pytest.fixture(scope="module")
def products_schema(start_service: Callable[[str], str]) -> schemathesis.BaseSchema:
    return _schema(start_service("products"))


@pytest.fixture(scope="module")
def cart_schema(
    start_service: Callable[[str], str], fill_cart: Callable[[], None]
) -> schemathesis.BaseSchema:
    fill_cart()
    return _schema(start_service("cart"))


@pytest.fixture(scope="module")
def orders_schema(
    start_service: Callable[[str], str], fill_cart: Callable[[], None], shopper: dict[str, str]
) -> schemathesis.BaseSchema:
    orders = start_service("orders")
    fill_cart()
    checkout = {**shopper, "Idempotency-Key": uuid.uuid4().hex}
    shown = requests.get(f"{start_service('cart')}/cart", headers=shopper, timeout=TIMEOUT)
    body = {"cart_version": shown.json()["version"]}
    _ok(requests.post(f"{orders}/orders", headers=checkout, json=body, timeout=TIMEOUT), 201)
    return _schema(orders)


@pytest.fixture(scope="module")
def hostile(signing_keys: DevKeys) -> dict[str, dict[str, str] | None]:
    """The credentials an attacker sends, by name; None keeps what the case generated."""
    expired = mint_token("fuzz-late", ttl=-3600, keys=signing_keys)
    claims = jwt.decode(mint_token("fuzz-odd", keys=signing_keys), options={"verify_signature": False})
    claims["cognito:groups"] = "admin"  # a string, not a list
    malformed = jwt.encode(
        claims,
        signing_keys.private_key_path.read_bytes(),
        algorithm="RS256",
        headers={"kid": signing_keys.kid},
    )
    return {
        "generated": None,
        "expired": {"Authorization": f"Bearer {expired}"},
        "malformed": {"Authorization": f"Bearer {malformed}"},
        "none": {},
    }


def _credential(
    case: schemathesis.Case, real: dict[str, str], hostile: dict[str, dict[str, str] | None]
) -> dict[str, str] | None:
    """The credential this case is sent with, chosen from its own data so each run repeats it:
    the real one mostly, else one of the hostile ones (None: the generated headers as they are)."""
    data = json.dumps(
        [case.operation.label, case.path_parameters, case.query, case.headers, repr(case.body)],
        sort_keys=True,
        default=repr,
    )
    share = zlib.crc32(data.encode()) % (REAL_TOKEN_SHARE + len(HOSTILE_CREDENTIALS))
    if share < REAL_TOKEN_SHARE:
        return real
    return hostile[HOSTILE_CREDENTIALS[share - REAL_TOKEN_SHARE]]


def _headers(
    case: schemathesis.Case,
    caller: dict[str, str],
    service: dict[str, str],
    hostile: dict[str, dict[str, str] | None],
) -> dict[str, str]:
    """The case's generated headers with the chosen credential in place of its Authorization."""
    real = service if case.operation.path.startswith(INTERNAL_PREFIX) else caller
    credential = _credential(case, real, hostile)
    generated = dict(case.headers or {})
    if credential is None:
        return generated
    generated.pop("Authorization", None)
    return {**generated, **credential}


def _call_and_validate(
    case: schemathesis.Case,
    caller: dict[str, str],
    service: dict[str, str],
    hostile: dict[str, dict[str, str] | None],
) -> None:
    """Send the case with its chosen credential (the caller's, or the service's on internal paths)."""
    case.headers = _headers(case, caller, service, hostile)
    case.call_and_validate(checks=CHECKS)


def _run_stateful(
    schema: schemathesis.BaseSchema,
    caller: dict[str, str],
    service: dict[str, str],
    hostile: dict[str, dict[str, str] | None],
    before: Callable[[schemathesis.Case], None] = lambda case: None,
) -> int:
    """EXAMPLES scenarios of up to STATEFUL_STEPS calls that follow the document's links, each call
    checked like a single case. Only a changed draw resumes; any failed check fails the test.
    Returns how many calls followed a link with a value taken from an earlier answer."""
    scenarios = linked = 0

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            nonlocal scenarios
            scenarios += 1

        def step(self, input: Any) -> Any:
            nonlocal linked
            linked += input.transition is not None and bool(input.applied_parameters)
            return super().step(input)

        def before_call(self, case: schemathesis.Case) -> None:
            before(case)

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            case.headers = _headers(case, caller, service, hostile)
            return {}

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    for resume in range(STATEFUL_RESUMES):
        settings = hypothesis.settings(
            max_examples=EXAMPLES - scenarios,
            stateful_step_count=STATEFUL_STEPS,
            phases=[hypothesis.Phase.generate],
            deadline=None,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        try:
            hypothesis.seed(SEED + resume)(Workflow).run(settings=settings)
        except hypothesis.errors.FlakyStrategyDefinition:
            if scenarios >= EXAMPLES:
                break
            continue
        break
    assert scenarios >= EXAMPLES, f"{scenarios} of {EXAMPLES} scenarios ran"
    return linked


products = schemathesis.pytest.from_fixture("products_schema")
cart = schemathesis.pytest.from_fixture("cart_schema")
orders = schemathesis.pytest.from_fixture("orders_schema")


def _is_checkout(case: schemathesis.Case) -> bool:
    return case.operation.method.upper() == "POST" and case.operation.path == "/orders"


@products.parametrize()
def test_products_api_keeps_its_contract(case, admin, service, hostile):
    _call_and_validate(case, admin, service, hostile)


@cart.parametrize()
def test_cart_api_keeps_its_contract(case, shopper, service, hostile):
    _call_and_validate(case, shopper, service, hostile)


@orders.parametrize()
def test_orders_api_keeps_its_contract(case, shopper, service, hostile, fill_cart):
    if _is_checkout(case):
        fill_cart()  # so the checkout has lines to buy, and its 201 is checked too
    _call_and_validate(case, shopper, service, hostile)


def test_products_sequences_keep_the_contract(products_schema, admin, service, hostile):
    # A created product is read, changed or deleted by the id its 201 answered.
    assert _run_stateful(products_schema, admin, service, hostile) > 0


def test_cart_sequences_keep_the_contract(cart_schema, shopper, service, hostile):
    # Generated product ids rarely exist, so a line is seldom added to follow its links.
    _run_stateful(cart_schema, shopper, service, hostile)


def test_orders_sequences_keep_the_contract(orders_schema, shopper, service, hostile, fill_cart):
    def fill_before_checkout(case: schemathesis.Case) -> None:
        if _is_checkout(case):
            fill_cart()

    # A placed order is read or cancelled by the id its 201 answered.
    assert _run_stateful(orders_schema, shopper, service, hostile, before=fill_before_checkout) > 0
