"""The rehearsal's own parts (deployed_wiring.py, emulator.py's client-credentials grant), on an
emulator of their own: Cognito's token for the services' client, a task's environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import jwt
import pytest
import requests
from deploy_harness import BOTO_CREDENTIALS, REGION, Emulator
from deployed_wiring import (
    TIMEOUT,
    Override,
    PublicLoadBalancer,
    Rule,
    TaskDefinition,
    TokenEndpoint,
    basic_authorization,
    task_environment,
)

SCOPE = "shopsmart/internal"


@dataclass(frozen=True)
class EmulatorAccount:
    """What deployed_wiring asks of a Deployment: boto3 clients of the emulator."""

    endpoint_url: str

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=REGION, **BOTO_CREDENTIALS)


@pytest.fixture(scope="module")
def user_pool(emulator: Emulator) -> dict[str, Any]:
    """A pool shaped as modules/identity makes it: the services' client (client credentials, the
    internal scope, 60 minutes) and the web client (authorization code, no such grant)."""
    cognito = EmulatorAccount(emulator.endpoint_url).client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="wiring")["UserPool"]["Id"]
    cognito.create_resource_server(
        UserPoolId=pool,
        Identifier="shopsmart",
        Name="ShopSmart API",
        Scopes=[{"ScopeName": "internal", "ScopeDescription": "internal"}],
    )
    services = cognito.create_user_pool_client(
        UserPoolId=pool,
        ClientName="services",
        GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=[SCOPE],
        AccessTokenValidity=60,
        TokenValidityUnits={"AccessToken": "minutes"},
    )["UserPoolClient"]
    web = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="web", GenerateSecret=True, AllowedOAuthFlows=["code"]
    )["UserPoolClient"]
    return {"id": pool, "services": services, "web": web}


def _ask(endpoint: TokenEndpoint, client: dict[str, Any], secret: str, scope: str) -> requests.Response:
    return requests.post(
        endpoint.url,
        data={"grant_type": "client_credentials", "scope": scope},
        headers={"Authorization": basic_authorization(client["ClientId"], secret)},
        timeout=TIMEOUT,
    )


def test_the_token_endpoint_issues_cognitos_client_credentials_token_signed_with_the_pools_key(
    emulator: Emulator, user_pool: dict[str, Any]
) -> None:
    services = user_pool["services"]
    with TokenEndpoint(emulator.endpoint_url) as endpoint:
        answer = _ask(endpoint, services, services["ClientSecret"], SCOPE)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
        keys = jwt.PyJWKClient(f"{emulator.endpoint_url}/{user_pool['id']}/.well-known/jwks.json")
        token = body["access_token"]
        claims = jwt.decode(
            token,
            keys.get_signing_key_from_jwt(token).key,
            algorithms=["RS256"],
            issuer=f"https://cognito-idp.{REGION}.amazonaws.com/{user_pool['id']}",
            options={"verify_aud": False},
        )
        assert endpoint.issued == {services["ClientId"]: 1}
    assert claims["sub"] == claims["client_id"] == services["ClientId"]
    assert claims["token_use"] == "access" and claims["scope"] == SCOPE and claims["version"] == 2
    assert "aud" not in claims and claims["exp"] - claims["iat"] == 3600
    assert {"auth_time", "jti"} <= set(claims)


@pytest.mark.parametrize(
    ("client", "right_secret", "scope", "error"),
    [
        ("services", False, SCOPE, "invalid_client"),
        ("web", True, "", "unauthorized_client"),
        ("services", True, "shopsmart/admin", "invalid_scope"),
    ],
)
def test_the_token_endpoint_refuses_what_cognito_refuses(
    emulator: Emulator, user_pool: dict[str, Any], client: str, right_secret: bool, scope: str, error: str
) -> None:
    app_client = user_pool[client]
    secret = app_client["ClientSecret"] if right_secret else "not-the-secret"
    with TokenEndpoint(emulator.endpoint_url) as endpoint:
        answer = _ask(endpoint, app_client, secret, scope)
        assert endpoint.issued == {}
    assert answer.status_code == 400 and answer.json() == {"error": error}


def test_a_task_gets_its_definition_its_resolved_secrets_and_only_the_listed_overrides(
    emulator: Emulator,
) -> None:
    account = EmulatorAccount(emulator.endpoint_url)
    secret_arn = account.client("secretsmanager").create_secret(Name="cursor", SecretString="s3cret")["ARN"]
    account.client("ssm").put_parameter(Name="/shop/guest", Value="gu3st", Type="SecureString")
    parameter_arn = f"arn:aws:ssm:{REGION}:123456789012:parameter/shop/guest"
    definition = TaskDefinition(
        service="orders",
        family="shopsmart-production-orders",
        image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/shopsmart/orders:1.0.0",
        environment={
            "SHOPSMART_JWKS_URL": "https://cognito-idp.eu-west-1.amazonaws.com/pool/.well-known/jwks.json",
            "SHOPSMART_PRODUCTS_URL": "http://internal-lb:8001",
            "SHOPSMART_TABLE_PREFIX": "shopsmart-production-",
        },
        secrets={"SHOPSMART_CURSOR_SECRET": secret_arn, "SHOPSMART_GUEST_TOKEN_SECRET": parameter_arn},
        container_port=8000,
        health_check=["CMD", "true"],
        command=None,
        user="10001:10001",
        read_only_root=True,
        target_groups=(),
    )
    overrides = {
        "AWS_ENDPOINT_URL_DYNAMODB": Override("http://emulator", "why"),
        "SHOPSMART_JWKS_URL": Override("http://emulator/pool/.well-known/jwks.json", "why"),
        "SHOPSMART_SERVICE_TOKEN_URL": Override("http://token", "why"),
        "http://internal-lb:8001": Override("http://127.0.0.1:5001", "why"),
    }
    environment = task_environment(account, definition, overrides)
    shop_variables = {
        key: value for key, value in environment.items() if key.startswith(("SHOPSMART_", "AWS_"))
    }
    assert shop_variables == {
        "AWS_ENDPOINT_URL_DYNAMODB": "http://emulator",
        "SHOPSMART_JWKS_URL": "http://emulator/pool/.well-known/jwks.json",
        "SHOPSMART_PRODUCTS_URL": "http://127.0.0.1:5001",
        "SHOPSMART_TABLE_PREFIX": "shopsmart-production-",
        "SHOPSMART_CURSOR_SECRET": "s3cret",
        "SHOPSMART_GUEST_TOKEN_SECRET": "gu3st",
    }
    assert definition.image_service == "orders"


def test_a_path_takes_the_first_rule_it_matches_as_the_load_balancer_does() -> None:
    balancer = PublicLoadBalancer(
        rules=[
            Rule(1, ("/internal", "/internal/*"), None, {"StatusCode": "404"}),
            Rule(10, ("/products", "/products/*", "/categories"), "products", None),
            Rule(20, ("/cart", "/cart/*"), "cart", None),
            Rule(2**31, ("*",), "web", None),
        ],
        targets={},
    )
    assert balancer.rule_for("/products/p-1?fields=name").target_group == "products"
    assert balancer.rule_for("/cart").target_group == "cart"
    assert balancer.rule_for("/internal/v1/reservations").fixed_response == {"StatusCode": "404"}
    assert balancer.rule_for("/Products").target_group == "web"  # patterns are case-sensitive
    assert balancer.rule_for("/cartx").target_group == "web"
