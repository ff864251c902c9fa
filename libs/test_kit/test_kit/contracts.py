"""Consumer contracts: what one service relies on in another's API, as request/response examples.

A consumer keeps `contracts/<provider>.json` in its own folder. The provider's unit tier replays
every interaction against its real app (`verify_interaction`), and the consumer's unit tier runs its
HTTP client against the same examples (`ContractClient`), so both sides test the one file.

A response body in a contract lists only the fields the consumer reads: the provider may answer
more (consumers are tolerant readers), but each listed field must be there with the listed value,
or, for the paths named in `any_value` (e.g. `read_at`, `items[].name`), with a value of that type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from service_kit.http import Reply

_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class Interaction:
    """One request the consumer sends and the answer it relies on, after the provider states given."""

    description: str
    given: tuple[Mapping[str, Any], ...]
    request: Mapping[str, Any]
    response: Mapping[str, Any]
    any_value: tuple[str, ...] = ()

    @property
    def internal(self) -> bool:
        """Sent with the service credential (an `/internal/...` path)."""
        return bool(self.request.get("internal"))


@dataclass(frozen=True)
class Contract:
    consumer: str
    provider: str
    path: Path
    interactions: tuple[Interaction, ...]

    @classmethod
    def load(cls, path: Path) -> Contract:
        document = json.loads(path.read_text())
        interactions = tuple(
            Interaction(
                description=item["description"],
                given=tuple(item.get("given", ())),
                request=item["request"],
                response=item["response"],
                any_value=tuple(item.get("any_value", ())),
            )
            for item in document["interactions"]
        )
        descriptions = [interaction.description for interaction in interactions]
        if len(set(descriptions)) != len(descriptions):
            raise ValueError(f"{path}: every interaction needs a description of its own")
        return cls(document["consumer"], document["provider"], path, interactions)

    @property
    def title(self) -> str:
        """How a failure names the contract: `the orders service's contract with products (<file>)`."""
        where = f"services/{self.consumer}/contracts/{self.path.name}"
        return f"the {self.consumer} service's contract with {self.provider} ({where})"

    def interaction(self, description: str) -> Interaction:
        for interaction in self.interactions:
            if interaction.description == description:
                return interaction
        raise KeyError(f"{self.title} has no interaction {description!r}")


def consumer_contracts(services_dir: Path, provider: str) -> list[Contract]:
    """Every consumer's contract with `provider` among the service folders in `services_dir`."""
    return [Contract.load(path) for path in sorted(services_dir.glob(f"*/contracts/{provider}.json"))]


def interactions_of(contracts: Iterable[Contract]) -> list[Any]:
    """`pytest.param(contract, interaction)` for each interaction, named `consumer: description`."""
    return [
        pytest.param(contract, interaction, id=f"{contract.consumer}: {interaction.description}")
        for contract in contracts
        for interaction in contract.interactions
    ]


def mismatches(expected: Any, actual: Any, any_value: Iterable[str] = (), where: str = "") -> list[str]:
    """How `actual` falls short of `expected`: each missing field, wrong value or wrong type."""
    label = where or "the body"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{label} is {_kind(actual)}, expected an object"]
        found = []
        for key, value in expected.items():
            path = f"{where}.{key}" if where else key
            if key not in actual:
                found.append(f"{path} is missing")
            else:
                found += mismatches(value, actual[key], any_value, path)
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{label} is {_kind(actual)}, expected a list"]
        if len(actual) != len(expected):
            return [f"{label} has {len(actual)} items, expected {len(expected)}"]
        found = []
        for index, (value, answered) in enumerate(zip(expected, actual, strict=True)):
            found += mismatches(value, answered, any_value, f"{where}[{index}]")
        return found
    if _INDEX.sub("[]", where) in set(any_value):
        return (
            []
            if _kind(actual) == _kind(expected)
            else [f"{label} is {_kind(actual)}, expected {_kind(expected)}"]
        )
    if _kind(actual) != _kind(expected) or actual != expected:
        return [f"{label} is {actual!r}, expected {expected!r}"]
    return []


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


StateHandler = Callable[..., None]


def set_up_states(contract: Contract, interaction: Interaction, handlers: Mapping[str, StateHandler]) -> None:
    """Put the provider in each state the interaction is given, e.g. `{"state": "a product", ...}`."""
    for given in interaction.given:
        state = given["state"]
        if state not in handlers:
            pytest.fail(
                f"{contract.title}, {interaction.description!r}: {contract.provider} has no provider "
                f"state {state!r} (known: {sorted(handlers)})",
                pytrace=False,
            )
        handlers[state](**given.get("params", {}))


def verify_interaction(
    client: Any, contract: Contract, interaction: Interaction, headers: Mapping[str, str]
) -> None:
    """Send the interaction's request to the provider's app (a Flask test client); fail naming the
    consumer's contract when the answer lacks anything the consumer relies on."""
    request = interaction.request
    response = client.open(
        request["path"],
        method=request["method"],
        query_string=request.get("query"),
        json=request.get("body"),
        headers=dict(headers),
    )
    found = []
    if response.status_code != interaction.response["status"]:
        found.append(f"the status is {response.status_code}, expected {interaction.response['status']}")
    if "body" in interaction.response:
        found += mismatches(
            interaction.response["body"], response.get_json(silent=True), interaction.any_value
        )
    if found:
        pytest.fail(
            f"{contract.provider} breaks {contract.title}, interaction {interaction.description!r} "
            f"({request['method']} {request['path']}):\n  - " + "\n  - ".join(found),
            pytrace=False,
        )


class ContractClient:
    """Stands in for `service_kit.http.ServiceClient`: answers each request with the contract's
    example for it, and refuses a request the contract does not have (the consumer would be
    relying on something its provider never promised)."""

    def __init__(self, contract: Contract):
        self.contract = contract
        self.name = contract.provider
        self.answered: list[str] = []

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        internal: bool = False,
        headers: Mapping[str, str] | None = None,
        keyed: bool = False,
    ) -> Reply:
        for interaction in self.contract.interactions:
            request = interaction.request
            if (
                request["method"] == method
                and request["path"] == path
                and (request.get("query") or None) == (dict(params) if params else None)
                and request.get("body") == json
                and interaction.internal == internal
            ):
                self.answered.append(interaction.description)
                return Reply(interaction.response["status"], interaction.response.get("body"))
        raise AssertionError(
            f"{self.contract.consumer} sent {method} {path} (query {params}, body {json}, "
            f"internal={internal}), which {self.contract.title} does not have"
        )


class OneAnswer:
    """Stands in for `ServiceClient` answering every call with one reply: how a consumer's test
    feeds its client an answer the contract does not have (a field missing, an odd value)."""

    def __init__(self, status: int, body: Any, name: str = "provider"):
        self.name = name
        self.reply = Reply(status, body)

    def call(self, method: str, path: str, **_: Any) -> Reply:
        return self.reply
