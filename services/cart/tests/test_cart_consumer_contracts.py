"""Every consumer's contract with cart, replayed against the real app (Flask test client, moto).

The contracts live in the consumers' folders (`services/<consumer>/contracts/cart.json`); a change
here that breaks one fails this tier with the consumer's contract named, before anything deploys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from test_kit.contracts import consumer_contracts, interactions_of, set_up_states, verify_interaction

SERVICES_DIR = Path(__file__).resolve().parents[2]
CONTRACTS = consumer_contracts(SERVICES_DIR, "cart")


@pytest.fixture
def states(client, products, auth_headers, service) -> dict[str, Any]:
    """The provider states consumers' interactions may be given, by name."""

    def a_cart_line(user_id: str, product_id: str, quantity: int) -> None:
        products.add(product_id)
        put = client.put(
            f"/cart/items/{product_id}", json={"quantity": quantity}, headers=auth_headers(user_id)
        )
        assert put.status_code == 200, put.json

    def a_checkout_claim(user_id: str, order_id: str, cart_version: str) -> None:
        claimed = client.post(
            f"/internal/v1/carts/{user_id}/checkout-claims",
            json={"order_id": order_id, "cart_version": cart_version},
            headers=service,
        )
        assert claimed.status_code == 200, claimed.json

    return {"a cart line": a_cart_line, "a checkout claim": a_checkout_claim}


@pytest.mark.parametrize(("contract", "interaction"), interactions_of(CONTRACTS))
def test_cart_keeps_every_consumers_contract(client, service, states, contract, interaction):
    set_up_states(contract, interaction, states)
    verify_interaction(client, contract, interaction, service if interaction.internal else {})


def test_the_contract_of_orders_is_verified():
    if not (SERVICES_DIR / "orders").is_dir():
        pytest.skip("a copy of the cart folder alone: the consumers' contracts come with their folders")
    assert {contract.consumer for contract in CONTRACTS} == {"orders"}
