"""Nothing a client can send gets a 5xx: hostile inputs through the gateway, on the real stack.

DynamoDB Local, the three services and the gateway run under gunicorn, as `make run` starts them.
Each case below once answered 500 (or worse, was accepted): deeply nested JSON, ids past DynamoDB's
key limit or ending in a newline, validly signed tokens with malformed claims, bodies over the
limit sent chunked, over-long request lines, prices in other spellings. Each must now be a 4xx
problem+json. Also here: `no-store` on per-user answers, the dev sign-in's Host check, guest token
expiry and the refusal of a merged guest's token, and `If-Match` required on product changes.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
import requests

from devstack.keys import DevKeys, mint_token
from service_kit.guests import GuestTokens

PROBLEM = "application/problem+json"
TIMEOUT = 30  # seconds; a hanging service fails the test instead of stalling it
GUEST_HEADER = "X-Guest-Token"
GUEST_SECRET_VARIABLE = "SHOPSMART_GUEST_TOKEN_SECRET"
DEEP = 1000
LONG_ID = "a" * 2100
MIB = 1024 * 1024


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@dataclass
class Gateway:
    url: str
    auth_headers: Callable[..., dict[str, str]]

    def admin(self) -> dict[str, str]:
        return self.auth_headers(unique("admin"), groups=["admin"])

    def shopper(self) -> dict[str, str]:
        return self.auth_headers(unique("shopper"))

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, self.url + path, timeout=TIMEOUT, **kwargs)

    def product(self, price: str = "5.00") -> str:
        body = {"name": unique("Item"), "price": price, "category": unique("Cat"), "inventory_count": 10}
        response = self.call("POST", "/products", json=body, headers=self.admin())
        assert response.status_code == 201, response.text
        return response.json()["product_id"]

    def guest(self) -> str:
        response = self.call("POST", "/cart/guest")
        assert response.status_code == 201, response.text
        assert response.headers["Cache-Control"] == "no-store"
        return response.json()["guest_token"]


@pytest.fixture(scope="module")
def gateway(start_service: Callable[[str], str], auth_headers: Callable[..., dict[str, str]]) -> Gateway:
    for name in ("products", "cart", "orders"):
        start_service(name)
    return Gateway(start_service("gateway"), auth_headers)


def assert_problem(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith(PROBLEM), response.headers
    body = response.json()
    assert body["status"] == status
    return body


def raw_exchange(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are and read the whole answer (the server closes after an error)."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=TIMEOUT) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
            head, _, body = answer.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
            if "Content-Length" in headers and len(body) >= int(headers["Content-Length"]):
                return int(lines[0].split()[1]), headers, body
    raise AssertionError(f"incomplete answer: {answer[:300]!r}")


# --- JSON nesting ----------------------------------------------------------------------------


def test_deeply_nested_json_is_400_everywhere(gateway: Gateway):
    json_type = {"Content-Type": "application/json"}
    guest = {GUEST_HEADER: gateway.guest(), **json_type}
    assert_problem(gateway.call("POST", "/cart/items", data=nested(DEEP), headers=guest), 400)
    admin = {**gateway.admin(), **json_type}
    assert_problem(gateway.call("POST", "/products", data=nested(DEEP), headers=admin), 400)
    assert_problem(gateway.call("POST", "/auth/dev-token", data=nested(DEEP), headers=json_type), 400)
    # Brackets inside strings are text, and a document within the bound is read as usual.
    body = b'{"user_id": "deep-' + b"[" * 40 + b'", "groups": []}'
    assert_problem(gateway.call("POST", "/auth/dev-token", data=body, headers=json_type), 422)
    assert gateway.call("POST", "/auth/dev-token", json={"user_id": "alice"}).status_code == 200


def test_an_integer_python_refuses_to_read_is_400_everywhere(gateway: Gateway):
    # Over 4,300 digits Python's JSON reader raises a plain ValueError, not a JSONDecodeError.
    huge = b"9" * 5000
    json_type = {"Content-Type": "application/json"}
    guest = {GUEST_HEADER: gateway.guest(), **json_type}
    shopper = {**gateway.shopper(), **json_type}
    for path, headers in [
        ("/cart/items", guest),
        ("/cart/merge", {**shopper, GUEST_HEADER: gateway.guest()}),
        ("/orders", {**shopper, "Idempotency-Key": unique("key")}),
        ("/products", {**gateway.admin(), **json_type}),
        ("/auth/dev-token", json_type),
    ]:
        assert_problem(gateway.call("POST", path, data=b'{"quantity": ' + huge + b"}", headers=headers), 400)
    assert_problem(
        gateway.call("PUT", "/cart/items/p1", data=b'{"quantity": ' + huge + b"}", headers=guest), 400
    )


# --- Ids -------------------------------------------------------------------------------------


def test_ids_past_the_key_limit_are_4xx_on_every_path(gateway: Gateway):
    admin, shopper = gateway.admin(), gateway.shopper()
    assert_problem(gateway.call("GET", f"/products/{LONG_ID}"), 404)
    assert_problem(gateway.call("PATCH", f"/products/{LONG_ID}", json={"name": "x"}, headers=admin), 404)
    assert_problem(gateway.call("DELETE", f"/products/{LONG_ID}", headers=admin), 404)
    assert_problem(gateway.call("GET", f"/products?ids={LONG_ID}"), 422)
    assert_problem(gateway.call("GET", f"/orders/{LONG_ID}", headers=shopper), 404)
    assert_problem(gateway.call("POST", f"/orders/{LONG_ID}/cancel", headers=shopper), 404)
    assert_problem(gateway.call("PUT", f"/cart/items/{LONG_ID}", json={"quantity": 1}, headers=shopper), 404)
    assert_problem(gateway.call("DELETE", f"/cart/items/{LONG_ID}", headers=shopper), 404)
    line = {"product_id": LONG_ID, "quantity": 1}
    assert_problem(gateway.call("POST", "/cart/items", json=line, headers=shopper), 422)
    created = {"product_id": LONG_ID, "name": "x", "price": "1.00", "category": "c", "inventory_count": 1}
    assert_problem(gateway.call("POST", "/products", json=created, headers=admin), 422)


def test_an_id_ending_in_a_newline_is_never_written(gateway: Gateway):
    admin, shopper = gateway.admin(), gateway.shopper()
    product_id = unique("nl")
    body = {
        "product_id": product_id + "\n",
        "name": "x",
        "price": "1.00",
        "category": "c",
        "inventory_count": 1,
    }
    assert_problem(gateway.call("POST", "/products", json=body, headers=admin), 422)
    assert_problem(gateway.call("GET", f"/products/{product_id}"), 404)  # nothing was written
    assert_problem(gateway.call("GET", f"/products/{product_id}%0A"), 404)
    # In a list, each entry is read exactly as sent, like a path segment: a 422 naming it.
    problem = assert_problem(gateway.call("GET", f"/products?ids={product_id}%0A"), 422)
    assert repr(product_id + "\n") in problem["errors"]["query"]["ids"][0]
    assert_problem(gateway.call("GET", f"/products?ids={product_id}%0Ax"), 422)
    line = {"product_id": product_id + "\n", "quantity": 1}
    assert_problem(gateway.call("POST", "/cart/items", json=line, headers=shopper), 422)
    assert_problem(
        gateway.call("PUT", f"/cart/items/{product_id}%0A", json={"quantity": 1}, headers=shopper), 404
    )


# --- Claims ----------------------------------------------------------------------------------


def signed(keys: DevKeys, **changes: Any) -> dict[str, str]:
    """A correctly signed token whose claims are changed (None removes one)."""
    claims = jwt.decode(mint_token("claims-user", keys=keys), options={"verify_signature": False})
    claims.update(changes)
    claims = {name: value for name, value in claims.items() if value is not None}
    private_key = keys.private_key_path.read_bytes()
    token = jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": keys.kid})
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "claims",
    [
        {"cognito:groups": "admin"},
        {"cognito:groups": [["admin"]]},
        {"cognito:groups": {"admin": True}},
        {"sub": ""},
        {"sub": 42},
        {"sub": "user\n"},
        {"sub": LONG_ID},
        {"scope": ["shopsmart/internal"]},
        # An ID token names its client in `aud` (an access token's `aud` is never read).
        {"token_use": "id", "client_id": None, "aud": {"shopsmart": 1}},
        {"token_use": "id", "client_id": None, "aud": [["shopsmart"]]},
        {"client_id": ["shopsmart"]},
    ],
    ids=lambda claims: repr(claims)[:40],
)
def test_a_signed_token_with_malformed_claims_is_401(gateway: Gateway, signing_keys: DevKeys, claims):
    headers = signed(signing_keys, **claims)
    assert_problem(gateway.call("GET", "/cart", headers=headers), 401)
    assert_problem(gateway.call("GET", "/orders", headers=headers), 401)
    product = {"name": "x", "price": "1.00", "category": "c", "inventory_count": 1}
    assert_problem(gateway.call("POST", "/products", json=product, headers=headers), 401)


def test_the_claims_check_lets_a_well_formed_token_through(gateway: Gateway, signing_keys: DevKeys):
    assert gateway.call("GET", "/cart", headers=signed(signing_keys)).status_code == 200


# --- Sizes -----------------------------------------------------------------------------------


def test_a_chunked_body_over_the_limit_is_413_not_cut(gateway: Gateway):
    shopper = {**gateway.shopper(), "Content-Type": "application/json"}

    def two_mebibytes() -> Iterator[bytes]:
        yield b'{"product_id": "x", "quantity": 1, "pad": "'
        for _ in range(2 * 16):
            yield b"a" * (MIB // 16)
        yield b'"}'

    assert_problem(gateway.call("POST", "/cart/items", data=two_mebibytes(), headers=shopper), 413)
    sized = b'{"pad": "' + b"a" * (2 * MIB) + b'"}'
    assert_problem(gateway.call("POST", "/cart/items", data=sized, headers=shopper), 413)


def test_an_over_long_request_line_is_414_problem_json(gateway: Gateway, start_service):
    # Past what the apps read: each answers 414 itself, naming the size.
    body = assert_problem(gateway.call("GET", "/products?ids=" + "a" * 8100), 414)
    assert "8000" in body["detail"]
    # Past gunicorn's request-line limit: its own refusal, as problem+json too.
    for url in (gateway.url, start_service("products")):
        line = b"GET /products?ids=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n"
        status, headers, answer = raw_exchange(url, line)
        assert status == 414 and headers["Content-Type"] == PROBLEM, (status, headers)
        assert b'"status": 414' in answer


def test_too_many_header_fields_are_431_problem_json(gateway: Gateway):
    fields = b"".join(b"X-Filler-%d: x\r\n" % n for n in range(150))
    status, headers, _ = raw_exchange(
        gateway.url, b"GET /products HTTP/1.1\r\nHost: localhost\r\n" + fields + b"\r\n"
    )
    assert status == 431 and headers["Content-Type"] == PROBLEM


# --- Caching, hosts, guests, versions --------------------------------------------------------


def test_per_user_answers_are_never_stored(gateway: Gateway):
    shopper = gateway.shopper()
    for path in ("/cart", "/orders"):
        response = gateway.call("GET", path, headers=shopper)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", path
    guest = {GUEST_HEADER: gateway.guest()}
    assert gateway.call("GET", "/cart", headers=guest).headers["Cache-Control"] == "no-store"
    refused = gateway.call("GET", "/orders/nothing-here", headers=shopper)
    assert refused.status_code == 404 and refused.headers["Cache-Control"] == "no-store"
    # The catalogue is the same for everyone, and stays cacheable.
    assert gateway.call("GET", "/categories").headers["Cache-Control"].startswith("public")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "127.0.0.1.evil.example", "[::2]"])
def test_dev_sign_in_refuses_other_hosts(gateway: Gateway, host: str):
    response = gateway.call("POST", "/auth/dev-token", json={"user_id": "alice"}, headers={"Host": host})
    assert_problem(response, 403)


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:8080", "127.0.0.1:9"])
def test_dev_sign_in_answers_this_machine(gateway: Gateway, host: str):
    response = gateway.call("POST", "/auth/dev-token", json={"user_id": "alice"}, headers={"Host": host})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_an_expired_guest_token_is_refused(gateway: Gateway, stack_variables: dict[str, str]):
    a_week_ago = GuestTokens(stack_variables[GUEST_SECRET_VARIABLE], clock=lambda: time.time() - 8 * 86400)
    expired = a_week_ago.issue().token
    body = assert_problem(gateway.call("GET", "/cart", headers={GUEST_HEADER: expired}), 401)
    assert "expired" in body["detail"]
    fresh = GuestTokens(stack_variables[GUEST_SECRET_VARIABLE]).issue().token
    assert gateway.call("GET", "/cart", headers={GUEST_HEADER: fresh}).status_code == 200


def test_a_merged_guest_token_opens_no_cart(gateway: Gateway):
    product_id, token = gateway.product(), gateway.guest()
    guest = {GUEST_HEADER: token}
    added = gateway.call("POST", "/cart/items", json={"product_id": product_id, "quantity": 2}, headers=guest)
    assert added.status_code == 200, added.text
    shopper = gateway.shopper()
    merged = gateway.call("POST", "/cart/merge", json={"guest_token": token}, headers=shopper)
    assert merged.status_code == 200 and merged.json()["moved"] == [{"product_id": product_id, "quantity": 2}]
    assert_problem(gateway.call("GET", "/cart", headers=guest), 401)
    line = {"product_id": product_id, "quantity": 1}
    assert_problem(gateway.call("POST", "/cart/items", json=line, headers=guest), 401)
    # A repeated merge moves nothing twice, and the user's cart holds the two units once.
    again = gateway.call("POST", "/cart/merge", json={"guest_token": token}, headers=shopper)
    assert again.status_code == 200 and again.json()["moved"] == []
    assert [item["quantity"] for item in again.json()["items"]] == [2]


def test_a_product_change_without_if_match_is_428(gateway: Gateway):
    product_id, admin = gateway.product(), gateway.admin()
    assert_problem(
        gateway.call("PATCH", f"/products/{product_id}", json={"price": "6.00"}, headers=admin), 428
    )
    etag = gateway.call("GET", f"/products/{product_id}").headers["ETag"]
    changed = gateway.call(
        "PATCH", f"/products/{product_id}", json={"price": "6.00"}, headers={**admin, "If-Match": etag}
    )
    assert changed.status_code == 200 and changed.json()["price"] == "6.00"
    assert_problem(
        gateway.call(
            "PATCH", f"/products/{product_id}", json={"price": "7.00"}, headers={**admin, "If-Match": etag}
        ),
        412,
    )


OTHER_SPELLINGS = [
    "1_000",
    "1_0.00",
    "\u0661\u0662",
    "\uff11\uff12.\uff10\uff10",
    " 12",
    "12.",
    "+12",
    "1e3",
    True,
]


@pytest.mark.parametrize("price", OTHER_SPELLINGS)
def test_prices_in_other_spellings_are_refused(gateway: Gateway, price: Any):
    body = {"name": unique("Item"), "price": price, "category": "c", "inventory_count": 1}
    assert_problem(gateway.call("POST", "/products", json=body, headers=gateway.admin()), 422)
