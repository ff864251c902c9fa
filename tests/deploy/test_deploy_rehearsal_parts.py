"""The rehearsal's own parts (deployed_wiring.py, emulator.py's Cognito patches), on an emulator of
their own: Cognito's token for the services' client, a shopper's sign-in with the flows the client
allows, a task's environment and its container's settings."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import boto3
import jwt
import pytest
import requests
from botocore.exceptions import ClientError
from deploy_harness import BOTO_CREDENTIALS, REGION, Emulator
from deployed_wiring import (
    TIMEOUT,
    Override,
    PublicLoadBalancer,
    Rule,
    TaskDefinition,
    TokenEndpoint,
    basic_authorization,
    container_options,
    scratch_mounts,
    srp_sign_in,
    task_environment,
)

SCOPE = "shopsmart/internal"
SHOPPER = "shopper@example.com"
PASSWORD = "Correct-horse-battery-9"


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
    # The web client's sign-in flows as modules/identity sets them: SRP and refresh only.
    spa = cognito.create_user_pool_client(
        UserPoolId=pool,
        ClientName="spa",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    admin = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="admin", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]
    cognito.admin_create_user(UserPoolId=pool, Username=SHOPPER, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username=SHOPPER, Password=PASSWORD, Permanent=True)
    return {"id": pool, "services": services, "web": web, "spa": spa, "admin": admin}


def _definition(service: str, **settings: Any) -> TaskDefinition:
    """A task definition shaped as modules/service registers one, with `settings` changed."""
    defaults: dict[str, Any] = {
        "family": f"shopsmart-production-{service}",
        "image": f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/shopsmart/{service}:1.0.0",
        "environment": {},
        "secrets": {},
        "container_port": 8000,
        "health_check": ["CMD", "true"],
        "command": None,
        "user": "10001:10001",
        "read_only_root": True,
        "target_groups": (),
    }
    return TaskDefinition(service=service, **{**defaults, **settings})


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
    definition = _definition(
        "orders",
        environment={
            "SHOPSMART_JWKS_URL": "https://cognito-idp.eu-west-1.amazonaws.com/pool/.well-known/jwks.json",
            "SHOPSMART_PRODUCTS_URL": "http://internal-lb:8001",
            "SHOPSMART_TABLE_PREFIX": "shopsmart-production-",
        },
        secrets={"SHOPSMART_CURSOR_SECRET": secret_arn, "SHOPSMART_GUEST_TOKEN_SECRET": parameter_arn},
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


def test_a_shopper_signs_in_with_srp_and_only_with_the_right_password(
    emulator: Emulator, user_pool: dict[str, Any]
) -> None:
    cognito = EmulatorAccount(emulator.endpoint_url).client("cognito-idp")
    spa = user_pool["spa"]["ClientId"]
    tokens = srp_sign_in(cognito, user_pool["id"], spa, SHOPPER, PASSWORD)
    claims = jwt.decode(tokens["AccessToken"], options={"verify_signature": False})
    assert claims["client_id"] == spa and claims["token_use"] == "access"
    with pytest.raises(ClientError) as refused:
        srp_sign_in(cognito, user_pool["id"], spa, SHOPPER, PASSWORD + "x")
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_cognito_refuses_a_flow_the_client_does_not_allow(
    emulator: Emulator, user_pool: dict[str, Any]
) -> None:
    cognito = EmulatorAccount(emulator.endpoint_url).client("cognito-idp")
    password = {"USERNAME": SHOPPER, "PASSWORD": PASSWORD}
    spa, admin = user_pool["spa"]["ClientId"], user_pool["admin"]["ClientId"]
    refusals = [
        lambda: cognito.admin_initiate_auth(
            UserPoolId=user_pool["id"],
            ClientId=spa,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters=password,
        ),
        lambda: cognito.initiate_auth(ClientId=spa, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=password),
        lambda: srp_sign_in(cognito, user_pool["id"], admin, SHOPPER, PASSWORD),
    ]
    for refused_call in refusals:
        with pytest.raises(ClientError) as refused:
            refused_call()
        error = refused.value.response["Error"]
        assert (error["Code"], error["Message"]) == (
            "InvalidParameterException",
            "Auth flow not enabled for this client",
        )
    # The flow a client does allow goes through.
    allowed = cognito.admin_initiate_auth(
        UserPoolId=user_pool["id"],
        ClientId=admin,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters=password,
    )
    assert "AccessToken" in allowed["AuthenticationResult"]


def test_a_task_container_runs_as_its_definition_says_and_nothing_more(tmp_path: Any) -> None:
    container = {
        "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],
    }
    definition = _definition(
        "cart", entry_point=["tini", "--"], scratch_mounts=scratch_mounts([{"name": "tmp"}], container)
    )
    options = container_options(definition, "task", tmp_path / "task.env")
    pairs = list(itertools.pairwise(options))
    assert ("--user", "10001:10001") in pairs
    assert "--read-only" in options and "--read-only-tmpfs=false" in options
    assert [value for flag, value in pairs if flag == "--tmpfs"] == ["/tmp"]
    assert ("--entrypoint", '["tini", "--"]') in pairs
    assert "--no-healthcheck" in options and "--privileged" not in options
    # A volume the rehearsal cannot give (a host path) fails it rather than being dropped.
    with pytest.raises(AssertionError):
        scratch_mounts([{"name": "tmp", "host": {"sourcePath": "/data"}}], container)


def test_a_create_sent_again_after_a_late_answer_gets_the_first_answer_and_nothing_else_does(
    emulator: Emulator,
) -> None:
    account = EmulatorAccount(emulator.endpoint_url)
    iam, ec2 = account.client("iam"), account.client("ec2")
    statement = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    }
    trust = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    first = iam.create_role(RoleName="retried", AssumeRolePolicyDocument=trust)["Role"]
    again = iam.create_role(RoleName="retried", AssumeRolePolicyDocument=trust)["Role"]
    assert again["RoleId"] == first["RoleId"]
    with pytest.raises(ClientError, match="EntityAlreadyExists"):
        iam.create_role(RoleName="retried", AssumeRolePolicyDocument=trust.replace("ecs-tasks", "lambda"))

    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="retried", Description="retried", VpcId=vpc)["GroupId"]
    default_rule = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    for _ in range(2):
        ec2.revoke_security_group_egress(GroupId=group, IpPermissions=default_rule)
    assert ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissionsEgress"] == []
    https = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    with pytest.raises(ClientError, match=r"InvalidPermission\.NotFound"):
        ec2.revoke_security_group_egress(GroupId=group, IpPermissions=https)
