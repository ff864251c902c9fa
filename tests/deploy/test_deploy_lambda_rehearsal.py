"""The apply rehearsal in Lambda mode (compute = "lambda"): the platform and each team's root applied to
an emulator of their own, each function's image registered in its ECR; the functions run as Lambda
would run their configurations (deployed_functions.py); a shopper of the user pool Terraform made
buys through the HTTP API's routes, and orders reaches cart and products through the internal load
balancer with the services' Cognito-shaped token.

The applied deployment is conftest's `lambda_shop`; test_deploy_teardown_lambda.py destroys it last.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

import boto3
import jwt
import podman_kit
import pytest
from botocore.exceptions import ClientError
from deploy_harness import BOTO_CREDENTIALS, REGION, Deployment, Emulator
from deployed_functions import (
    COMMAND_EVENT_KEY,
    DeployedFunctions,
    HttpApi,
    Route,
    deployed_functions,
)
from deployed_wiring import (
    SHOP_SERVICES,
    TaskImages,
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
    lambda_shop: Deployment,
    tmp_path_factory: pytest.TempPathFactory,
    tier_report: Callable[[str], None],
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
    functions: DeployedFunctions, task_images: Future[TaskImages]
) -> None:
    _, images = task_images.result()
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
        # ...built from this checkout's sources (podman_kit's fingerprint), not a stale tag.
        assert function.image_id == images[podman_kit.lambda_image(service)].image_id, service
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
        products_inside.replace(podman_kit.HOST_LOOPBACK, LOCALHOST),
        order["order_id"],
        token,
        tokens["AccessToken"],
    )


class _RecordingFunction:
    """Stands for a function's execution environment: keeps the events, answers as told."""

    def __init__(self, outcome: tuple[str, Any]) -> None:
        self.outcome = outcome
        self.events: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any]) -> tuple[str, Any]:
        self.events.append(event)
        return self.outcome


def test_a_request_takes_the_route_api_gateway_would_choose() -> None:
    routes = sorted(
        [
            Route("$default", "web"),
            Route("ANY /products/{proxy+}", "greedy"),
            Route("GET /products/{product_id}", "one"),
            Route("ANY /products", "exact"),
        ],
        key=Route.specificity,
    )
    api = HttpApi("api", "api.example.com", routes, {})
    chosen = {
        (method, path): api.route_for(method, path)
        for method, path in [
            ("GET", "/products"),
            ("GET", "/products/p-1"),
            ("POST", "/products/p-1"),
            ("GET", "/products/p-1/stock"),
            ("GET", "/cart"),
        ]
    }
    assert {key: (found[0].function, found[1]) for key, found in chosen.items() if found} == {
        ("GET", "/products"): ("exact", {}),
        ("GET", "/products/p-1"): ("one", {"product_id": "p-1"}),
        ("POST", "/products/p-1"): ("greedy", {"proxy": "p-1"}),
        ("GET", "/products/p-1/stock"): ("greedy", {"proxy": "p-1/stock"}),
        ("GET", "/cart"): ("web", {}),
    }


def test_the_http_api_sends_a_payload_2_event_and_answers_with_the_functions_result() -> None:
    body = base64.b64encode(b'{"items": []}').decode()
    result = {"statusCode": 201, "headers": {"ETag": '"7"'}, "body": body, "isBase64Encoded": True}
    function = _RecordingFunction(("response", result))
    alias = "arn:aws:lambda:eu-west-1:123456789012:function:shopsmart-production-cart:live"
    api = HttpApi("api", "api.example.com", [Route("ANY /cart/{proxy+}", alias)], {alias: function})

    answer = api.request(
        "POST",
        "/cart/items",
        params={"a": "x y", "b": ["1", "2"]},
        json={"q": 1},
        headers={"X-Guest-Token": "g"},
    )
    assert answer.status_code == 201 and answer.json() == {"items": []} and answer.headers["etag"] == '"7"'
    (event,) = function.events
    assert event["version"] == "2.0" and event["routeKey"] == "ANY /cart/{proxy+}"
    assert event["rawPath"] == "/cart/items" and event["rawQueryString"] == "a=x+y&b=1&b=2"
    assert event["queryStringParameters"] == {"a": "x y", "b": "1,2"}
    assert event["pathParameters"] == {"proxy": "items"}
    assert event["headers"]["x-guest-token"] == "g" and event["headers"]["host"] == "api.example.com"
    assert json.loads(event["body"]) == {"q": 1} and event["isBase64Encoded"] is False
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["accountId"] == "123456789012"

    # No route: API Gateway's own 404; a function error: its 500, never the function's output.
    assert api.request("GET", "/orders").status_code == 404
    function.outcome = ("error", {"errorType": "KeyError"})
    assert api.request("GET", "/cart/items").status_code == 500


def test_the_emulator_refuses_what_lambda_refuses_and_finds_a_functions_image_in_ecr(
    emulator: Emulator,
) -> None:
    def client(service: str) -> Any:
        return boto3.client(
            service, endpoint_url=emulator.endpoint_url, region_name=REGION, **BOTO_CREDENTIALS
        )

    role = client("iam").create_role(
        RoleName="probe-fn",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    repository = client("ecr").create_repository(repositoryName="shopsmart/probe")["repository"][
        "repositoryUri"
    ]
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 7,
                "digest": "sha256:" + "c" * 64,
            },
            "layers": [],
        }
    )
    pushed = client("ecr").put_image(
        repositoryName="shopsmart/probe", imageManifest=manifest, imageTag="1-lambda"
    )
    functions = client("lambda")

    def create(image_uri: str, variables: dict[str, str]) -> dict[str, Any]:
        return functions.create_function(
            FunctionName=f"probe-{uuid.uuid4().hex[:8]}",
            PackageType="Image",
            Code={"ImageUri": image_uri},
            Role=role,
            Environment={"Variables": variables},
        )

    with pytest.raises(ClientError, match="Reserved keys used in this request: AWS_REGION") as refused:
        create(f"{repository}:1-lambda", {"AWS_REGION": REGION, "SHOPSMART_LOG_LEVEL": "INFO"})
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError, match="does not exist"):
        create(f"{repository}:2-lambda", {})
    created = create(f"{repository}:1-lambda", {"SHOPSMART_LOG_LEVEL": "INFO"})
    assert "sha256:" + created["CodeSha256"] == pushed["image"]["imageId"]["imageDigest"]
    with pytest.raises(ClientError, match="AWS_LAMBDA_FUNCTION_NAME"):
        functions.update_function_configuration(
            FunctionName=created["FunctionName"], Environment={"Variables": {"AWS_LAMBDA_FUNCTION_NAME": "x"}}
        )
