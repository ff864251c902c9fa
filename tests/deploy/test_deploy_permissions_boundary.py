"""Every role a team's root makes carries its team's permissions boundary, and cannot be made without.

On the applied shop (the `shop` fixture): each service's roles, as IAM holds them, carry the
boundary the platform made for its team (terraform/modules/team_deploy_role/boundary.tf) and
published to the service roots. The deploy role's own policy, as Terraform wrote it to IAM, lets
the team create a role or write a role's policy only with that boundary (the policy simulation,
policy_simulator.py: moto's enforcement ignores conditions), and the boundary itself keeps any role
to its own service, whatever inline policy a team writes. Nothing is changed.
"""

from __future__ import annotations

import json

from deploy_harness import REGION, Deployment
from policy_simulator import ALLOWED, DENIED, Request, decide
from test_deploy_boundary import ENVIRONMENT, role_policies

SERVICES = {"products": "products", "cart": "carts", "orders": "orders"}  # service → table


def published_boundaries(shop: Deployment) -> dict[str, str]:
    parameter = shop.client("ssm").get_parameter(Name=f"/shopsmart/{ENVIRONMENT}/platform")["Parameter"][
        "Value"
    ]
    return json.loads(parameter)["permissions_boundaries"]


def boundary_document(shop: Deployment, arn: str) -> dict:
    iam = shop.client("iam")
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    return json.loads(document) if isinstance(document, str) else document


def test_every_role_of_a_service_carries_its_teams_boundary(shop: Deployment) -> None:
    boundaries = published_boundaries(shop)
    assert set(boundaries) == set(SERVICES)
    roles = shop.client("iam").list_roles()["Roles"]
    for service in SERVICES:
        # Named by prefixes cut to 25 and 30 characters (modules/service): both start with the first 25.
        prefix = f"shopsmart-{ENVIRONMENT}-{service}"[:25]
        own = [role["RoleName"] for role in roles if role["RoleName"].startswith(prefix)]
        assert len(own) == 2, own  # the ECS task and execution roles
        for name in own:
            role = shop.client("iam").get_role(RoleName=name)["Role"]
            assert role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn") == boundaries[service], (
                name
            )


def test_the_deploy_role_makes_and_widens_roles_only_within_its_boundary(shop: Deployment) -> None:
    policies, _ = role_policies(shop, f"shopsmart-{ENVIRONMENT}-deploy-cart")
    boundaries = published_boundaries(shop)
    account = shop.client("sts").get_caller_identity()["Account"]
    role = f"arn:aws:iam::{account}:role/shopsmart-{ENVIRONMENT}-cart-task-new"
    xray = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"

    def judged(action: str, boundary: str | None, **context: str) -> str:
        keys = {"iam:PermissionsBoundary": boundary} if boundary else {}
        return decide(policies, Request(action, role, context={**keys, **context}))

    cases = {
        ("iam:CreateRole", boundaries["cart"]): ALLOWED,
        ("iam:CreateRole", None): DENIED,
        ("iam:CreateRole", boundaries["products"]): DENIED,
        ("iam:PutRolePolicy", boundaries["cart"]): ALLOWED,
        ("iam:PutRolePolicy", None): DENIED,
        ("iam:PutRolePermissionsBoundary", boundaries["products"]): DENIED,
    }
    assert {case: judged(*case) for case in cases} == cases
    assert judged("iam:AttachRolePolicy", boundaries["cart"], **{"iam:PolicyARN": xray}) == ALLOWED
    assert judged("iam:AttachRolePolicy", None, **{"iam:PolicyARN": xray}) == DENIED


def test_the_boundary_keeps_a_role_to_its_own_service(shop: Deployment) -> None:
    boundary = boundary_document(shop, published_boundaries(shop)["cart"])
    account = shop.client("sts").get_caller_identity()["Account"]
    table = f"arn:aws:dynamodb:{REGION}:{account}:table/shopsmart-{ENVIRONMENT}-"
    secret = f"arn:aws:secretsmanager:{REGION}:{account}:secret:shopsmart-{ENVIRONMENT}/guest-token-secret-x"
    cases = {
        ("dynamodb:PutItem", table + "carts"): ALLOWED,
        ("dynamodb:Query", table + "carts/index/any"): ALLOWED,
        ("secretsmanager:GetSecretValue", secret): ALLOWED,
        ("dynamodb:PutItem", table + "products"): DENIED,
        ("dynamodb:DeleteTable", table + "carts"): DENIED,
        ("iam:CreateRole", f"arn:aws:iam::{account}:role/anything"): DENIED,
        ("s3:GetObject", "arn:aws:s3:::acme-terraform-state/shopsmart/production/platform.tfstate"): DENIED,
        (
            "secretsmanager:GetSecretValue",
            f"arn:aws:secretsmanager:{REGION}:{account}:secret:other-x",
        ): DENIED,
    }
    assert {case: decide([boundary], Request(*case)) for case in cases} == cases
