"""The apply rehearsal (compute = "ecs"): the platform, then each team's root, applied to moto's server;
the services and the web page started as ECS would start their registered task definitions, in
their images (deployed_wiring.py);
a shopper of the user pool Terraform made buys through the load balancer's rules; one team's release.

The applied shop is conftest's `shop`, shared by every module that needs one; test_deploy_teardown.py
destroys it last. The platform was applied by the `planned` fixture, from the plan that
test_deploy_plan checks.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import jwt
import pytest
from botocore.exceptions import ClientError
from code_truths import code_table_specs
from deploy_harness import (
    ROOTS,
    SERVICE_ROOTS,
    Deployment,
    changed_addresses,
    emulator_drift_removed,
)
from deployed_wiring import (
    DeployedShop,
    TaskImages,
    deployed_shop,
    reservation_read_inside,
    shopper_buys,
)

TABLE_PREFIX = "shopsmart-production-"  # the example variables' environment
SERVICE_TABLES = {"products": "products", "cart": "carts", "orders": "orders"}
TEAMS = {"products": "catalogue", "cart": "cart", "orders": "checkout"}  # the example variables' teams
WEB_CONFIG_FIELDS = ("authority", "client_id", "redirect_uri", "post_logout_redirect_uri", "scope")
CLIENT_NAMES = {"web": "shopsmart-production-web", "services": "shopsmart-production-services"}


@pytest.fixture(scope="module")
def deployed(
    shop: Deployment,
    task_images: Future[TaskImages],
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[DeployedShop]:
    """products, cart, orders and the web page started from their registered task definitions in
    their images, the catalogue seeded by a one-off products task; the overrides are printed."""
    podman, images = task_images.result()
    with deployed_shop(shop, tmp_path_factory.mktemp("rehearsal-services"), images, podman) as running:
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        if reporter is not None and capture is not None:
            # Printed as the tier runs, whether or not a test fails.
            with capture.global_and_fixture_disabled():
                reporter.ensure_newline()
                reporter.write_line(running.describe())
        yield running


def _client_ids(shop: Deployment, user_pool_id: str) -> dict[str, str]:
    clients = shop.client("cognito-idp").list_user_pool_clients(UserPoolId=user_pool_id, MaxResults=60)
    by_name = {client["ClientName"]: client["ClientId"] for client in clients["UserPoolClients"]}
    return {role: by_name[name] for role, name in CLIENT_NAMES.items()}


def test_each_root_applied_its_own_tagged_table_and_nothing_else_made_tables(shop: Deployment) -> None:
    client = shop.client("dynamodb")
    assert sorted(client.list_tables()["TableNames"]) == sorted(
        TABLE_PREFIX + t for t in SERVICE_TABLES.values()
    )
    for service, table in SERVICE_TABLES.items():
        description = client.describe_table(TableName=TABLE_PREFIX + table)["Table"]
        tags = {
            tag["Key"]: tag["Value"]
            for tag in client.list_tags_of_resource(ResourceArn=description["TableArn"])["Tags"]
        }
        assert tags["Service"] == service and tags["Team"] == TEAMS[service], tags
        assert description["SSEDescription"]["SSEType"] == "KMS"
        # Keys and indexes as the service's code creates them locally.
        expected = code_table_specs()[table].create_table_request(TABLE_PREFIX)
        assert description["KeySchema"] == expected["KeySchema"]
        indexes = {
            index["IndexName"]: index["KeySchema"] for index in description.get("GlobalSecondaryIndexes", [])
        }
        assert indexes == {
            index["IndexName"]: index["KeySchema"] for index in expected.get("GlobalSecondaryIndexes", [])
        }
    for root in ROOTS:
        assert shop.state(root), f"{root} has no state"


def test_the_platform_publishes_both_client_ids_and_every_task_gets_them(deployed: DeployedShop) -> None:
    clients = _client_ids(deployed.deployment, deployed.user_pool_id)
    identity = deployed.published["identity"]
    assert set(identity["SHOPSMART_JWT_AUDIENCE"].split(",")) == {clients["web"], clients["services"]}
    assert identity["SHOPSMART_SERVICE_CLIENT_ID"] == clients["services"]
    for name in SERVICE_TABLES:
        environment = deployed.definitions[name].environment
        assert environment["SHOPSMART_JWT_AUDIENCE"] == identity["SHOPSMART_JWT_AUDIENCE"], name
        assert environment["SHOPSMART_SERVICE_CLIENT_ID"] == clients["services"], name
    # The page's /config.json, read from the web page's task through the public listener's rules.
    config = deployed.web_config()
    assert set(config) == {*WEB_CONFIG_FIELDS, "logout_endpoint"}, config
    assert config["client_id"] == clients["web"]
    assert config["authority"] == identity["SHOPSMART_JWT_ISSUER"]
    assert config["logout_endpoint"].endswith(".amazoncognito.com/logout"), config


def test_each_task_runs_its_definition_and_passes_its_own_health_check(deployed: DeployedShop) -> None:
    for name in SERVICE_TABLES:
        definition = deployed.definitions[name]
        assert definition.image_service == name and definition.command is None, definition
        assert definition.user == "10001:10001" and definition.read_only_root, definition
        checked = deployed.health_check(name)
        assert checked.returncode == 0, (name, checked.stderr)
    # Overrides apart, each process got exactly its definition's environment and secrets.
    for name, environment in deployed.environments.items():
        definition = deployed.definitions[name]
        kept = {key for key, value in definition.environment.items() if environment[key] == value}
        rewritten = {
            key
            for key, value in definition.environment.items()
            if any(value.startswith(address) for address in deployed.overrides if address.startswith("http"))
        }
        assert set(definition.environment) - kept <= {*deployed.overrides, *rewritten}, name
        assert set(definition.secrets) <= set(environment)


def test_each_task_runs_in_its_image_as_its_user_on_a_read_only_root(deployed: DeployedShop) -> None:
    """What the definitions say is enforced, not only registered: the image, the user, a root
    that cannot be written, and scratch space only where the task gives it."""
    for name, task in deployed.containers.items():
        definition = task.definition
        inspected = task.podman.inspect("container", task.name)
        assert inspected["Image"] == task.image.image_id, name
        assert inspected["HostConfig"]["ReadonlyRootfs"] is True and definition.read_only_root, name
        uid = task.podman("exec", task.name, "id", "-u").stdout.strip()
        assert uid == definition.user.split(":")[0] != "0", (name, uid)
        for path in ("/home/shop", "/var/tmp", "/run", "/opt/shopsmart"):
            written = task.podman("exec", task.name, "sh", "-c", f"echo x > {path}/probe", check=False)
            assert written.returncode != 0 and "Read-only file system" in written.stderr, (name, path)
        assert definition.scratch_mounts == ("/tmp",), name
        scratch = task.podman("exec", task.name, "sh", "-c", "echo x > /tmp/probe", check=False)
        assert scratch.returncode == 0, (name, scratch.stderr)


def test_the_web_client_allows_only_the_sign_in_flows_terraform_gave_it(deployed: DeployedShop) -> None:
    cognito = deployed.deployment.client("cognito-idp")
    client_id = deployed.web_config()["client_id"]
    web = cognito.describe_user_pool_client(UserPoolId=deployed.user_pool_id, ClientId=client_id)
    assert sorted(web["UserPoolClient"]["ExplicitAuthFlows"]) == [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
    ]
    # So the emulator, as Cognito, refuses the admin password flow on it.
    with pytest.raises(ClientError) as refused:
        cognito.admin_initiate_auth(
            UserPoolId=deployed.user_pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "nobody@example.com", "PASSWORD": "not-a-password-1A"},
        )
    assert refused.value.response["Error"]["Message"] == "Auth flow not enabled for this client"


def test_a_shopper_of_the_user_pool_buys_through_the_load_balancers_rules(deployed: DeployedShop) -> None:
    shop = deployed.deployment
    tokens = deployed.sign_in(f"rehearsal-{uuid.uuid4()}@example.com", secrets.token_urlsafe(16) + "aA1!")
    # The public load balancer answers /internal/* itself (404), before any service's rule.
    order = shopper_buys(deployed.public, tokens, deployed.web_config()["client_id"]).order
    stored = shop.client("dynamodb").get_item(
        TableName=f"{TABLE_PREFIX}orders", Key={"OrderID": {"S": order["order_id"]}}
    )
    assert stored["Item"]["Status"]["S"] == "CONFIRMED"

    # orders reserved the stock with a token the services' client got from the token endpoint...
    services_client = deployed.definitions["orders"].environment["SHOPSMART_SERVICE_CLIENT_ID"]
    assert deployed.token_endpoint.issued.get(services_client, 0) >= 1
    # ...and that credential, Cognito-shaped, reads the reservation on the internal load balancer.
    internal = deployed.published["internal_urls"]["products"]
    service_token = deployed.service_token()
    assert jwt.decode(service_token, options={"verify_signature": False})["client_id"] == services_client
    reservation_read_inside(
        deployed.from_host(internal), order["order_id"], service_token, tokens["AccessToken"]
    )


def test_releasing_cart_plans_changes_in_carts_root_alone(shop: Deployment) -> None:
    with ThreadPoolExecutor(max_workers=len(SERVICE_ROOTS)) as pool:
        plans = dict(
            zip(
                SERVICE_ROOTS,
                pool.map(
                    lambda root: shop.plan(
                        root, **({"image_tag": "1.0.1"} if root == "services/cart" else {})
                    )[1],
                    SERVICE_ROOTS,
                ),
                strict=True,
            )
        )
    released = changed_addresses(emulator_drift_removed(plans["services/cart"]))
    assert released == {
        # The new revision first; the old one is left registered (skip_destroy) to roll back to.
        "module.cart.module.ecs_service[0].aws_ecs_task_definition.this": ["create", "delete"],
        "module.cart.module.ecs_service[0].aws_ecs_service.this": ["update"],
    }, released
    for root in ("services/products", "services/orders"):
        assert changed_addresses(emulator_drift_removed(plans[root])) == {}, root
