"""The cart team's deploy role applies cart's root and can touch nothing of another team's.

On the applied shop (the `shop` fixture), the platform root has made the GitHub OIDC provider and
each team's roles (terraform/platform/deploy_roles.tf). Two proofs, on the policies Terraform
wrote to IAM:

- moto's IAM enforcement: the tier switches it on (`POST /moto-api/reset-auth`) and runs, with the
  cart role's own credentials, the README's `apply` in cart's root: a release, every call signed by
  the role and judged by moto. The role writes its own state key and lock; products' table change,
  products' state key and products' task role change are refused by moto. moto
  judges actions for every service and resources for S3 objects, IAM roles and DynamoDB tables;
  it ignores conditions, so
- a policy simulation (policy_simulator.py) of the same documents judges what moto cannot: the
  Team-tag conditions on ECS, load balancing and security groups (tags read from the emulator),
  the image repositories, and the trust policy's `sub` condition.

The shop is left as found: the release is applied back to its original tag (a new task definition
revision of the same image), and enforcement is switched off again.
"""

from __future__ import annotations

import json
from dataclasses import replace

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from deploy_harness import REGION, Deployment
from policy_simulator import ALLOWED, DENIED, Request, decide

ENVIRONMENT = "production"  # the example variables' environment
REPOSITORY = "acme/shopsmart"  # terraform/platform/example.tfvars
STATE_BUCKET = "acme-terraform-state"
OIDC_AUDIENCE = "token.actions.githubusercontent.com:aud"
OIDC_SUBJECT = "token.actions.githubusercontent.com:sub"
RELEASE = "1.0.1"


def state_key(service: str) -> str:
    return f"shopsmart/{ENVIRONMENT}/services/{service}.tfstate"


def set_enforcement(shop: Deployment, on: bool) -> None:
    """moto checks every request against IAM after this many unchecked ones: 0, or never."""
    url = f"{shop.emulator.endpoint_url}/moto-api/reset-auth"
    answer = requests.post(url, data=b"0" if on else b"inf", timeout=10)
    answer.raise_for_status()


def role_policies(shop: Deployment, role: str) -> tuple[list[dict], dict]:
    """A role's inline policies and its trust policy, as Terraform wrote them to IAM."""
    iam = shop.client("iam")
    names = iam.list_role_policies(RoleName=role)["PolicyNames"]
    policies = [iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"] for name in names]
    trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    documents = [json.loads(p) if isinstance(p, str) else p for p in [*policies, trust]]
    return documents[:-1], documents[-1]


@pytest.fixture(scope="module")
def cart_role(shop: Deployment) -> dict[str, str]:
    """The cart deploy role's session credentials, and the teams' state objects in the state bucket."""
    s3 = shop.client("s3")
    s3.create_bucket(Bucket=STATE_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    for service in ("cart", "products"):
        s3.put_object(Bucket=STATE_BUCKET, Key=state_key(service), Body=b"{}")
    role = shop.client("iam").get_role(RoleName=f"shopsmart-{ENVIRONMENT}-deploy-cart")["Role"]
    # The workflow gets these through GitHub's OIDC token; moto does not check the token's
    # signature, so the tier assumes the role directly (the trust policy is simulated below).
    credentials = shop.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="cart-release")[
        "Credentials"
    ]
    return {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }


def as_cart(shop: Deployment, credentials: dict[str, str], service: str):
    return boto3.client(
        service,
        endpoint_url=shop.emulator.endpoint_url,
        region_name=REGION,
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=credentials["AWS_SESSION_TOKEN"],
    )


def refused(call) -> str:
    """Why the emulator refused a call (code and message); fails the test if it is carried out."""
    with pytest.raises(ClientError) as refusal:
        call()
    error = refusal.value.response["Error"]
    return f"{error['Code']}: {error.get('Message', '')}"


def test_with_its_own_role_cart_ships_and_cannot_touch_products(
    shop: Deployment, cart_role: dict[str, str]
) -> None:
    team = replace(shop, env={**shop.env, **cart_role}, log=[])
    products_table = shop.client("dynamodb").describe_table(TableName=f"shopsmart-{ENVIRONMENT}-products")[
        "Table"
    ]
    products_task_role = next(
        role["RoleName"]
        for role in shop.client("iam").list_roles()["Roles"]
        if role["RoleName"].startswith(f"shopsmart-{ENVIRONMENT}-products-task-")
    )

    set_enforcement(shop, on=True)
    try:
        # The README's commands in cart's root, every call signed by the cart role: a release, then
        # back to the shop's own. (The tier keeps this root's state locally: moto's S3 refuses the
        # signatures of Terraform's S3 backend, so the state key is proven with boto3 below.)
        team.apply("services/cart", image_tag=RELEASE)
        released = team.outputs("services/cart")["image"]
        # Back to the shop's own release, refreshing as the README's apply does: a later test's plan
        # must find cart as the shop left it.
        team.apply("services/cart")

        dynamodb, s3, iam = (as_cart(shop, cart_role, name) for name in ("dynamodb", "s3", "iam"))
        for key in (state_key("cart"), state_key("cart") + ".tflock"):
            s3.put_object(Bucket=STATE_BUCKET, Key=key, Body=b"{}")
        own_state = s3.get_object(Bucket=STATE_BUCKET, Key=state_key("cart"))["Body"].read()
        assert (
            dynamodb.describe_table(TableName=products_table["TableName"])["Table"]["TableStatus"] == "ACTIVE"
        )
        table_change = refused(
            lambda: dynamodb.update_table(
                TableName=products_table["TableName"], BillingMode="PAY_PER_REQUEST"
            )
        )
        table_deletion = refused(lambda: dynamodb.delete_table(TableName=products_table["TableName"]))
        state_write = refused(
            lambda: s3.put_object(Bucket=STATE_BUCKET, Key=state_key("products"), Body=b"{}")
        )
        state_read = refused(lambda: s3.get_object(Bucket=STATE_BUCKET, Key=state_key("products")))
        role_change = refused(
            lambda: iam.put_role_policy(
                RoleName=products_task_role, PolicyName="more", PolicyDocument=json.dumps(ADMIN)
            )
        )
    finally:
        set_enforcement(shop, on=False)

    assert released.endswith(f"/shopsmart/cart:{RELEASE}")
    assert own_state == b"{}"
    # moto's refusal of a JSON-protocol call comes back as a bare 403 with IAM's message.
    assert "is not authorized to perform: dynamodb:UpdateTable" in table_change
    assert "is not authorized to perform: dynamodb:DeleteTable" in table_deletion
    assert state_write.startswith("AccessDenied:") and state_read.startswith("AccessDenied:")
    assert role_change.startswith("AccessDenied:") and "iam:PutRolePolicy" in role_change
    # Nothing of products' changed, and cart is back on its own release.
    after = shop.client("dynamodb").describe_table(TableName=products_table["TableName"])["Table"]
    assert after["BillingModeSummary"] == products_table["BillingModeSummary"]
    ecs = shop.client("ecs")
    service = ecs.describe_services(cluster=ecs.list_clusters()["clusterArns"][0], services=["cart"])[
        "services"
    ][0]
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    assert definition["containerDefinitions"][0]["image"].endswith("/shopsmart/cart:1.0.0")


ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def team_tagged(shop: Deployment, service: str, account: str) -> dict[str, tuple[str, str]]:
    """One service's ECS service, target group and security group: ARN and Team tag, as deployed."""
    ecs, elbv2, ec2 = shop.client("ecs"), shop.client("elbv2"), shop.client("ec2")
    cluster = ecs.list_clusters()["clusterArns"][0]
    service_arn = ecs.describe_services(cluster=cluster, services=[service])["services"][0]["serviceArn"]
    service_tags = {
        tag["key"]: tag["value"] for tag in ecs.list_tags_for_resource(resourceArn=service_arn)["tags"]
    }
    target_groups = {
        group["TargetGroupArn"]: {tag["Key"]: tag["Value"] for tag in description["Tags"]}
        for group in elbv2.describe_target_groups()["TargetGroups"]
        for description in elbv2.describe_tags(ResourceArns=[group["TargetGroupArn"]])["TagDescriptions"]
    }
    target_group, group_tags = next(
        (arn, tags) for arn, tags in target_groups.items() if tags.get("Service") == service
    )
    security_group = ec2.describe_security_groups(Filters=[{"Name": "tag:Service", "Values": [service]}])[
        "SecurityGroups"
    ][0]
    return {
        "ecs_service": (service_arn, service_tags["Team"]),
        "target_group": (target_group, group_tags["Team"]),
        "security_group": (
            f"arn:aws:ec2:{REGION}:{account}:security-group/{security_group['GroupId']}",
            {tag["Key"]: tag["Value"] for tag in security_group["Tags"]}["Team"],
        ),
    }


def test_the_policies_terraform_wrote_keep_cart_to_its_own_resources(shop: Deployment) -> None:
    """What moto cannot judge, simulated on the same documents: tag conditions (the tags read from
    the deployed resources), image repositories, the platform's parameter and listener."""
    policies, _ = role_policies(shop, f"shopsmart-{ENVIRONMENT}-deploy-cart")
    account = shop.client("sts").get_caller_identity()["Account"]
    own, other = team_tagged(shop, "cart", account), team_tagged(shop, "products", account)
    repository = f"arn:aws:ecr:{REGION}:{account}:repository/shopsmart/"
    table = f"arn:aws:dynamodb:{REGION}:{account}:table/shopsmart-{ENVIRONMENT}-"
    elbv2 = shop.client("elbv2")
    # The platform's public listener, as it publishes it to the service roots.
    published = shop.client("ssm").get_parameter(Name=f"/shopsmart/{ENVIRONMENT}/platform")["Parameter"][
        "Value"
    ]
    listener = json.loads(published)["public_listener_arn"]
    listener_team = {
        tag["Key"]: tag["Value"]
        for tag in elbv2.describe_tags(ResourceArns=[listener])["TagDescriptions"][0]["Tags"]
    }["Team"]

    def judged(action: str, resource: str, team: str | None = None, request_team: str | None = None) -> str:
        context = {}
        if team:
            context["aws:ResourceTag/Team"] = team
        if request_team:
            context["aws:RequestTag/Team"] = request_team
        return decide(policies, Request(action, resource, context=context))

    parameter = f"arn:aws:ssm:{REGION}:{account}:parameter/shopsmart/{ENVIRONMENT}/platform"
    wider_role = f"arn:aws:iam::{account}:role/shopsmart-{ENVIRONMENT}-deploy-cart-wider"
    cases = {
        # its own release
        ("ecs:UpdateService", *own["ecs_service"], None): ALLOWED,
        ("ecs:RegisterTaskDefinition", "*", None, own["ecs_service"][1]): ALLOWED,
        ("elasticloadbalancing:ModifyTargetGroup", *own["target_group"], None): ALLOWED,
        ("ec2:AuthorizeSecurityGroupEgress", *own["security_group"], None): ALLOWED,
        ("ecr:PutImage", repository + "cart", None, None): ALLOWED,
        ("dynamodb:UpdateTable", table + "carts", None, None): ALLOWED,
        # products' resources, by tag and by name
        ("ecs:UpdateService", *other["ecs_service"], None): DENIED,
        ("ecs:RegisterTaskDefinition", "*", None, other["ecs_service"][1]): DENIED,
        ("elasticloadbalancing:ModifyTargetGroup", *other["target_group"], None): DENIED,
        ("ec2:RevokeSecurityGroupEgress", *other["security_group"], None): DENIED,
        ("ecr:PutImage", repository + "products", None, None): DENIED,
        ("dynamodb:UpdateTable", table + "products", None, None): DENIED,
        ("dynamodb:GetItem", table + "products", None, None): DENIED,
        # shared resources: used, not changed
        ("elasticloadbalancing:ModifyListener", listener, listener_team, None): DENIED,
        ("ssm:PutParameter", parameter, None, None): DENIED,
        ("iam:CreateRole", wider_role, None, None): DENIED,
    }
    assert (own["ecs_service"][1], other["ecs_service"][1], listener_team) == (
        "cart",
        "catalogue",
        "platform",
    )
    decisions = {case: judged(*case) for case in cases}
    assert decisions == cases

    # The simulation itself would notice a widened role: the same request under Allow */*.
    widened = decide([*policies, ADMIN], Request("dynamodb:UpdateTable", table + "products"))
    assert widened == ALLOWED


def test_only_carts_environment_on_main_can_assume_its_role(shop: Deployment) -> None:
    _, trust = role_policies(shop, f"shopsmart-{ENVIRONMENT}-deploy-cart")
    provider = shop.client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"][0]["Arn"]

    def assumed(subject: str, audience: str = "sts.amazonaws.com") -> str:
        context = {OIDC_SUBJECT: subject, OIDC_AUDIENCE: audience}
        return decide(
            [trust],
            Request("sts:AssumeRoleWithWebIdentity", principal={"Federated": provider}, context=context),
        )

    main = f"repo:{REPOSITORY}:environment:cart-{ENVIRONMENT}:ref:refs/heads/main"
    assert assumed(main) == ALLOWED
    assert assumed(main, audience="someone-else") == DENIED
    assert assumed(main.replace("cart-", "products-")) == DENIED
    assert assumed(main.replace("refs/heads/main", "refs/heads/feature")) == DENIED
    assert assumed(main.replace(REPOSITORY, "acme/fork")) == DENIED
    assert assumed(f"repo:{REPOSITORY}:environment:cart-{ENVIRONMENT}-plan:ref:refs/pull/7/merge") == DENIED
    assert assumed(f"repo:{REPOSITORY}:pull_request") == DENIED
