"""Guest identities: issued tokens, forgeries refused, every cart path usable, carts kept apart."""

from __future__ import annotations

import time

import pytest

from cart_service import create_app
from devstack.keys import LOCAL_ACCEPTED_CLIENTS, LOCAL_SERVICE_CLIENT_ID
from service_kit.guests import GUEST_TOKEN_TTL_SECONDS, GuestTokens
from service_kit.problems import Unauthorized

GUEST_HEADER = "X-Guest-Token"

GUEST_TOKEN_SECRET = "another-guest-token-secret-for-these-tests"


def token_of(guest: dict[str, str]) -> str:
    return guest[GUEST_HEADER]


def add(client, headers, product_id: str, quantity: int = 1):
    return client.post("/cart/items", json={"product_id": product_id, "quantity": quantity}, headers=headers)


def quantities(client, headers) -> dict[str, int]:
    response = client.get("/cart", headers=headers)
    assert response.status_code == 200, response.json
    return {item["product_id"]: item["quantity"] for item in response.json["items"]}


def _flip(character: str) -> str:
    return "b" if character == "a" else "a"


def altered_id(token: str) -> str:
    return _flip(token[0]) + token[1:]


def altered_signature(token: str) -> str:
    return token[:-1] + ("B" if token[-1] == "A" else "A")


def forgeries(token: str) -> dict[str, str]:
    guest_id, _, signature = token.partition(".")
    other = GuestTokens("another-secret-another-secret-another-secret").issue()
    return {
        "altered id": altered_id(token),
        "altered signature": altered_signature(token),
        "truncated": token[:-1],
        "truncated to the id": guest_id,
        "id alone with a dot": f"{guest_id}.",
        "extra character": token + "A",
        "upper-cased id": guest_id.upper() + "." + signature,
        "signed with another secret": other.token,
        "another secret's signature on this id": f"{guest_id}.{other.token.partition('.')[2]}",
        "empty": "",
        "a user token in the guest header": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
    }


def test_a_guest_token_is_issued_without_auth_and_is_unguessable(client):
    first = client.post("/cart/guest")
    second = client.post("/cart/guest")
    assert first.status_code == 201 and second.status_code == 201
    tokens = {first.json["guest_token"], second.json["guest_token"]}
    assert len(tokens) == 2
    for token in tokens:
        guest_id, expires, key_id, signature = token.split(".")
        assert len(guest_id) == 32 and len(key_id) == 8 and len(signature) == 43
        assert 0 < int(expires) - time.time() <= GUEST_TOKEN_TTL_SECONDS
        assert "#" not in token


def test_a_token_verifies_to_its_own_id_and_only_under_its_secret(app, client):
    tokens = GuestTokens(app.config["GUEST_TOKEN_SECRET"])
    issued = client.post("/cart/guest").json["guest_token"]
    assert tokens.verify(issued) == issued.partition(".")[0]
    with pytest.raises(Unauthorized):
        GuestTokens(GUEST_TOKEN_SECRET).verify(issued)
    with pytest.raises(ValueError):
        GuestTokens("too-short")


def test_a_guest_uses_every_cart_path(client, products, new_guest):
    products.add("p1", price="3.50")
    products.add("p2")
    guest = new_guest()
    assert add(client, guest, "p1", 2).json["quantity"] == 2
    assert client.put("/cart/items/p2", json={"quantity": 4}, headers=guest).status_code == 200
    cart = client.get("/cart", headers=guest).json
    assert {item["product_id"]: item["quantity"] for item in cart["items"]} == {"p1": 2, "p2": 4}
    assert cart["subtotal"] == "47.00"
    assert client.delete("/cart/items/p1", headers=guest).status_code == 204
    assert quantities(client, guest) == {"p2": 4}
    assert client.delete("/cart", headers=guest).status_code == 204
    assert quantities(client, guest) == {}


def test_guest_lines_are_stored_under_a_guest_owner_key(client, products, new_guest, stored):
    products.add("p1")
    guest = new_guest()
    add(client, guest, "p1", 2)
    guest_id = token_of(guest).partition(".")[0]
    assert stored(f"guest#{guest_id}", "p1")["Quantity"] == 2
    assert stored(guest_id, "p1") is None


@pytest.mark.parametrize(
    "forgery",
    [
        "altered id",
        "altered signature",
        "truncated",
        "truncated to the id",
        "id alone with a dot",
        "extra character",
        "upper-cased id",
        "signed with another secret",
        "another secret's signature on this id",
        "empty",
        "a user token in the guest header",
    ],
)
def test_a_forged_or_altered_guest_token_is_401_everywhere(
    client, products, new_guest, expect_problem, forgery
):
    products.add("p1")
    guest = new_guest()
    add(client, guest, "p1", 3)
    forged = {GUEST_HEADER: forgeries(token_of(guest))[forgery]}
    expect_problem(client.get("/cart", headers=forged), 401)
    expect_problem(add(client, forged, "p1"), 401)
    expect_problem(client.put("/cart/items/p1", json={"quantity": 1}, headers=forged), 401)
    expect_problem(client.delete("/cart/items/p1", headers=forged), 401)
    expect_problem(client.delete("/cart", headers=forged), 401)
    assert quantities(client, guest) == {"p1": 3}


def test_one_guest_never_reaches_another_guests_cart(client, products, new_guest, expect_problem):
    products.add("p1")
    products.add("p2")
    ann, ben = new_guest(), new_guest()
    add(client, ann, "p1", 3)
    assert quantities(client, ben) == {}
    expect_problem(client.delete("/cart/items/p1", headers=ben), 404)
    assert client.delete("/cart", headers=ben).status_code == 204
    add(client, ben, "p2", 1)
    assert quantities(client, ann) == {"p1": 3}
    assert quantities(client, ben) == {"p2": 1}


def test_a_bearer_token_wins_over_a_guest_token(client, alice, products, new_guest):
    products.add("p1")
    guest = new_guest()
    add(client, {**alice, **guest}, "p1", 2)
    assert quantities(client, alice) == {"p1": 2}
    assert quantities(client, guest) == {}


def test_a_bad_bearer_token_is_not_rescued_by_a_guest_token(client, new_guest, expect_problem):
    guest = new_guest()
    expect_problem(client.get("/cart", headers={"Authorization": "Bearer nope", **guest}), 401)


def test_the_service_credential_is_refused_even_beside_a_guest_token(
    client, service, new_guest, expect_problem
):
    expect_problem(client.get("/cart", headers={**service, **new_guest()}), 403)


def test_a_user_id_that_could_be_a_guest_owner_key_owns_no_cart(
    client, auth_headers, new_guest, expect_problem
):
    guest_id = token_of(new_guest()).partition(".")[0]
    for subject in (f"guest#{guest_id}", "a#b"):
        expect_problem(client.get("/cart", headers=auth_headers(subject)), 401)


def test_checkout_never_reads_a_guest_cart(client, service, products, new_guest, expect_problem):
    products.add("p1")
    guest = new_guest()
    add(client, guest, "p1")
    owner = "guest%23" + token_of(guest).partition(".")[0]
    expect_problem(client.get(f"/internal/v1/carts/{owner}", headers=service), 404)
    body = {
        "order_id": "o1",
        "read_at": "2030-01-01T00:00:00Z",
        "items": [{"product_id": "p1", "quantity": 1}],
    }
    expect_problem(
        client.post(f"/internal/v1/carts/{owner}/checkout-removals", json=body, headers=service), 404
    )
    assert quantities(client, guest) == {"p1": 1}


def identity(jwks_url: str) -> dict[str, str]:
    return {
        "JWKS_URL": jwks_url,
        "JWT_AUDIENCE": LOCAL_ACCEPTED_CLIENTS,
        "SERVICE_CLIENT_ID": LOCAL_SERVICE_CLIENT_ID,
    }


def test_without_a_secret_no_guest_is_issued_or_accepted(jwks_url, aws_test_environment, expect_problem):
    app = create_app(
        {"TESTING": True, **identity(jwks_url), "EMIT_METRICS": False, "GUEST_TOKEN_SECRET": None}
    )
    client = app.test_client()
    expect_problem(client.post("/cart/guest"), 503)
    token = GuestTokens(GUEST_TOKEN_SECRET).issue().token
    expect_problem(client.get("/cart", headers={GUEST_HEADER: token}), 401)


def test_a_short_secret_is_refused_when_the_app_is_built(jwks_url, aws_test_environment):
    with pytest.raises(ValueError):
        create_app({"TESTING": True, **identity(jwks_url), "GUEST_TOKEN_SECRET": "short"})


def test_the_secret_comes_from_the_environment(monkeypatch, aws_test_environment, jwks_url):
    monkeypatch.setenv("SHOPSMART_GUEST_TOKEN_SECRET", GUEST_TOKEN_SECRET)
    app = create_app({"TESTING": True, **identity(jwks_url), "EMIT_METRICS": False})
    token = app.test_client().post("/cart/guest").json["guest_token"]
    assert GuestTokens(GUEST_TOKEN_SECRET).verify(token) == token.partition(".")[0]


def test_guest_lines_live_one_day_and_a_users_thirty(client, alice, products, new_guest, stored):
    products.add("p1")
    guest = new_guest()
    owner = "guest#" + token_of(guest).partition(".")[0]
    before = int(time.time())
    add(client, guest, "p1")
    add(client, alice, "p1")
    after = int(time.time())
    day = 24 * 3600
    for product_id in ("p1", "#cart"):
        assert before + day <= stored(owner, product_id)["ExpiresAt"] <= after + day
        assert before + 30 * day <= stored("alice", product_id)["ExpiresAt"] <= after + 30 * day


def test_openapi_documents_guest_paths_and_the_guest_header(client):
    document = client.get("/openapi.json").json
    paths = document["paths"]
    assert {"/cart/guest", "/cart/merge"} <= set(paths)
    assert paths["/cart/guest"]["post"]["security"] == []
    assert "201" in paths["/cart/guest"]["post"]["responses"]
    assert paths["/cart/merge"]["post"]["security"] == [{"bearerAuth": []}]
    assert {"401", "422", "409"} <= set(paths["/cart/merge"]["post"]["responses"])
    assert {"bearerAuth": []} in paths["/cart"]["get"]["security"]
    assert {"guestToken": []} in paths["/cart"]["get"]["security"]
    scheme = document["components"]["securitySchemes"]["guestToken"]
    assert scheme == {"type": "apiKey", "in": "header", "name": "X-Guest-Token"}
    entry = document["components"]["schemas"]["CartEntry"]["properties"]
    assert {"added_price", "price_changed"} <= set(entry)
    merge = document["components"]["schemas"]["MergeResult"]["properties"]
    assert {"items", "subtotal", "moved", "not_moved"} <= set(merge)
