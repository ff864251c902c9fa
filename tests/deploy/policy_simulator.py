"""IAM's evaluation of identity and trust policies, for what moto's enforcement cannot judge.

moto's server (with its IAM enforcement switched on) judges a request's action for every service,
its resource only for S3 objects, IAM roles, STS and, in this tier, DynamoDB tables, and no
condition of an identity policy. This module judges a request the way IAM's policy evaluation
logic does for one account without boundaries or session policies: an explicit Deny wins, else
any Allow allows, else the request is denied. Statements: `Action`/`NotAction`,
`Resource`/`NotResource`, `Principal` (for trust policies) and `Condition` with the operators the
shop's policies use (String*, Arn*, Null, Bool; `…IfExists`; `ForAnyValue:`/`ForAllValues:`).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ALLOWED = "allowed"
DENIED = "denied"


@dataclass(frozen=True)
class Request:
    """One API call as IAM sees it: action, resource ARN, principal (for trust) and context keys."""

    action: str
    resource: str = "*"
    principal: Mapping[str, str] = field(default_factory=dict)
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _glob(pattern: str, value: str, *, case_sensitive: bool) -> bool:
    """IAM's wildcards: `*` any run of characters (slashes too), `?` one character."""
    return re.match(fnmatch.translate(pattern), value, 0 if case_sensitive else re.IGNORECASE) is not None


def _any(patterns: Any, value: str, *, case_sensitive: bool) -> bool:
    return any(_glob(pattern, value, case_sensitive=case_sensitive) for pattern in _listed(patterns))


def _values_match(operator: str, expected: list[str], actual: list[str]) -> bool:
    base = operator.removesuffix("IfExists")
    negated = "Not" in base
    base = base.replace("Not", "")
    if base in {"StringEquals", "ArnEquals"}:
        hit = any(value in expected for value in actual)
    elif base == "StringEqualsIgnoreCase":
        hit = any(value.lower() in {item.lower() for item in expected} for value in actual)
    elif base in {"StringLike", "ArnLike"}:
        hit = any(_glob(pattern, value, case_sensitive=True) for pattern in expected for value in actual)
    elif base == "Bool":
        hit = any(value.lower() in {item.lower() for item in expected} for value in actual)
    else:
        raise ValueError(f"condition operator {operator} is not simulated")
    return not hit if negated else hit


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, Any]) -> bool:
    values = {name.lower(): value for name, value in context.items()}
    present = key.lower() in values
    expected_list = [str(item).lower() if isinstance(item, bool) else str(item) for item in _listed(expected)]
    if operator == "Null":
        return (not present) == (expected_list[0].lower() == "true")
    qualifier, _, operator = operator.rpartition(":")
    if not present:
        # A missing key matches only IfExists, a negated operator, or ForAllValues (vacuously).
        return operator.endswith("IfExists") or "Not" in operator or qualifier == "ForAllValues"
    actual = [str(value) for value in _listed(values[key.lower()])]
    if qualifier == "ForAllValues":
        return all(_values_match(operator, expected_list, [value]) for value in actual)
    return _values_match(operator, expected_list, actual)


def _statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    if "Action" in statement:
        if not _any(statement["Action"], request.action, case_sensitive=False):
            return False
    elif _any(statement["NotAction"], request.action, case_sensitive=False):
        return False
    if "Resource" in statement:
        if not _any(statement["Resource"], request.resource, case_sensitive=True):
            return False
    elif "NotResource" in statement and _any(statement["NotResource"], request.resource, case_sensitive=True):
        return False
    if "Principal" in statement:
        principal = statement["Principal"]
        if principal != "*" and not any(
            request.principal.get(kind) in _listed(names) for kind, names in principal.items()
        ):
            return False
    return all(
        _condition_holds(operator, key, expected, request.context)
        for operator, keys in statement.get("Condition", {}).items()
        for key, expected in keys.items()
    )


def decide(policies: Iterable[Mapping[str, Any]], request: Request) -> str:
    """IAM's decision for a request under these policy documents."""
    allowed = False
    for policy in policies:
        for statement in _listed(policy["Statement"]):
            if _statement_applies(statement, request):
                if statement["Effect"] == "Deny":
                    return DENIED
                allowed = True
    return ALLOWED if allowed else DENIED
