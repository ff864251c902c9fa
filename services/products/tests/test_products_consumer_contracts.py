"""Every consumer's contract with products, replayed against the real app (Flask test client, moto).

The contracts live in the consumers' folders (`services/<consumer>/contracts/products.json`); a change
here that breaks one fails this tier with the consumer's contract named, before anything deploys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from products_service import reservations
from products_service.catalogue import seconds_ago
from test_kit.contracts import consumer_contracts, interactions_of, set_up_states, verify_interaction

SERVICES_DIR = Path(__file__).resolve().parents[2]
CONTRACTS = consumer_contracts(SERVICES_DIR, "products")
RESERVATIONS = "/internal/v1/reservations"


@pytest.fixture
def service(auth_headers) -> dict[str, str]:
    return auth_headers("orders", scopes=["shopsmart/internal"])


@pytest.fixture
def states(client, make_product, service, monkeypatch) -> dict[str, Any]:
    """The provider states consumers' interactions may be given, by name."""

    def a_product(product_id: str, name: str, price: str, inventory_count: int) -> None:
        make_product(product_id=product_id, name=name, price=price, inventory_count=inventory_count)

    def a_reservation(
        order_id: str, items: list[dict[str, Any]], committed: bool = False, held_for_seconds: int = 0
    ) -> None:
        """`held_for_seconds`: the reservation is made with the clock set that far back."""
        with monkeypatch.context() as clock:
            clock.setattr(reservations, "utc_now", lambda: seconds_ago(held_for_seconds))
            reserved = client.post(RESERVATIONS, json={"order_id": order_id, "items": items}, headers=service)
        assert reserved.status_code == 201, reserved.json
        if committed:
            assert client.post(f"{RESERVATIONS}/{order_id}/commit", headers=service).status_code == 200

    return {"a product": a_product, "a reservation": a_reservation}


@pytest.mark.parametrize(("contract", "interaction"), interactions_of(CONTRACTS))
def test_products_keeps_every_consumers_contract(client, service, states, contract, interaction):
    set_up_states(contract, interaction, states)
    verify_interaction(client, contract, interaction, service if interaction.internal else {})


def test_the_contracts_of_both_consumers_are_verified():
    if not (SERVICES_DIR / "orders").is_dir():
        pytest.skip("a copy of the products folder alone: the consumers' contracts come with their folders")
    assert {contract.consumer for contract in CONTRACTS} == {"orders", "cart"}
