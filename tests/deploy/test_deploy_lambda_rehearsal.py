"""The apply rehearsal in Lambda mode (compute = "lambda"): the platform and each team's root applied to
an emulator of their own, each function's image registered in its ECR; the functions run as Lambda
would run their configurations (deployed_functions.py); a shopper of the user pool Terraform made
buys through the HTTP API's routes, and orders reaches cart and products through the internal load
balancer with the services' Cognito-shaped token.

The applied deployment is conftest's `lambda_shop`; test_deploy_teardown_lambda.py destroys it last.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator

import jwt
import pytest
from deploy_harness import Deployment
from deployed_functions import (
    COMMAND_EVENT_KEY,
    IMAGES,
    DeployedFunctions,
    deployed_functions,
)
from deployed_wiring import (
    SHOP_SERVICES,
    reservation_read_inside,
    resolve_secret,
    service_token,
    shopper_buys,
    sign_in,
)

from devstack.ports import LOCALHOST

# Where each public path goes, as the services' routes tables say (`ANY /x` and `ANY /x/{proxy+}`).
PUBLIC_PATHS = {
    "/categories": "products",
    "/products": "products",
    "/products/p-1": "products",
    "/cart": "cart",
    "/cart/items/p-1": "cart",
    "/orders": "orders",
    "/orders/o-1": "orders",
}


@pytest.fixture(scope="module")
def functions(
    lambda_shop: Deployment, tmp_path_factory: pytest.TempPathFactory, tier_report: Callable[[str], None]
) -> Iterator[DeployedFunctions]:
    """products, cart and orders started from their functions' configurations, the catalogue
    seeded by a one-off invocation of the products function; the overrides are printed."""
    with deployed_functions(lambda_shop, tmp_path_factory.mktemp("lambda-functions")) as running:
        tier_report(running.describe())
        seeded = running.functions["products"].invoke({COMMAND_EVENT_KEY: "seed"})
        assert seeded == ("response", {"command": "seed", "status": "done"}), (
            seeded,
            running.functions["products"].logs(),
        )
        yield running


def test_each_function_runs_the_image_its_configuration_names_with_its_own_environment(
    functions: DeployedFunctions,
) -> None:
    podman = IMAGES.Podman()
    secret_values = {
        resolve_secret(functions.deployment, arn)
        for configuration in functions.configurations.values()
        for arn in configuration.secret_arns.values()
    }
    assert len(secret_values) == 3, "cursor, guest token and the services' client secret"
    for service in SHOP_SERVICES:
        function = functions.functions[service]
        configuration = function.configuration
        # The alias callers reach names a published version, whose image is the service's own.
        assert configuration.version != "$LATEST" and configuration.alias_arn.endswith(":live")
        assert configuration.image_uri.endswith(f"/shopsmart/{service}:1.0.0-lambda"), configuration
        assert function.image_id == podman.inspect("image", IMAGES.lambda_image(service))["Id"], service
        assert configuration.command is None and configuration.entry_point is None, configuration
        assert function.environment["_HANDLER"] == "lambda_handler.handler"
        assert function.environment["SHOPSMART_SERVICE_MODULE"] == f"{service}_service"
        # Secrets are ARNs in the configuration; the handler reads their values itself.
        assert set(configuration.secret_arns) <= {
            "SHOPSMART_CURSOR_SECRET",
            "SHOPSMART_GUEST_TOKEN_SECRET",
            "SHOPSMART_SERVICE_CLIENT_SECRET",
        }
        assert not secret_values & set(function.environment.values()), service
        # Overrides apart, the environment is the configuration's, plus what Lambda sets.
        changed = {
            name for name, value in configuration.environment.items() if function.environment[name] != value
        }
        rewritten = {
            name
            for name, value in configuration.environment.items()
            if any(value.startswith(address) for address in functions.overrides if address.startswith("http"))
        }
        assert changed <= {*functions.overrides, *rewritten}, (service, changed)


def test_the_http_apis_routes_send_each_public_path_to_its_function_and_nothing_inside(
    functions: DeployedFunctions,
) -> None:
    by_alias = {
        function.configuration.alias_arn: service for service, function in functions.functions.items()
    }
    for path, service in PUBLIC_PATHS.items():
        found = functions.public.route_for("GET", path)
        assert found is not None, path
        assert by_alias[found[0].function] == service, (path, found[0])
    for path in ("/internal", "/internal/v1/reservations/o-1", "/Products", "/cartx"):
        assert functions.public.route_for("GET", path) is None, path


def test_a_shopper_of_the_user_pool_buys_through_the_http_apis_routes(functions: DeployedFunctions) -> None:
    tokens = sign_in(
        functions.deployment,
        functions.user_pool_id,
        functions.web_client_id,
        f"lambda-{uuid.uuid4()}@example.com",
        secrets.token_urlsafe(16) + "aA1!",
    )
    # API Gateway answers /internal/* itself (404): no route leads there.
    order = shopper_buys(functions.public, tokens, functions.web_client_id).order

    # orders reserved the stock with a token the services' client got from the token endpoint...
    orders = functions.configurations["orders"]
    services_client = orders.environment["SHOPSMART_SERVICE_CLIENT_ID"]
    assert functions.token_endpoint.issued.get(services_client, 0) >= 1
    # ...and that credential reads the reservation through the internal load balancer's listener.
    token = service_token(
        functions.deployment,
        functions.token_endpoint.url,
        services_client,
        orders.secret_arns["SHOPSMART_SERVICE_CLIENT_SECRET"],
    )
    assert jwt.decode(token, options={"verify_signature": False})["client_id"] == services_client
    products_inside = functions.internal_urls[functions.published["internal_urls"]["products"]]
    reservation_read_inside(
        products_inside.replace(IMAGES.HOST_LOOPBACK, LOCALHOST),
        order["order_id"],
        token,
        tokens["AccessToken"],
    )
