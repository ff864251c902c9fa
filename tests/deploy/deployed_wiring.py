"""The rehearsal runs what AWS would run: the services as their registered task definitions say,
identity from the user pool Terraform made, traffic as the load balancers' rules send it.

Everything is read back from the emulator after the roots are applied, never built by the test:

- each ECS service of the platform's cluster (the cluster named in the published platform
  parameter) and its registered task definition: the image (whose repository names the service,
  hence the package the image's `WSGI_APP` runs), its `environment`, its `secrets` resolved from
  Secrets Manager or SSM as ECS resolves them at start, its container port and its health check;
- the public listener's rules (path patterns by priority, forward or fixed response) and the
  internal load balancer's listeners (port → target group), each target group leading to the ECS
  service registered with it;
- the user pool's clients, and its key: shoppers sign in with `AdminInitiateAuth` through the web
  client, and the services' client-credentials token comes from `TokenEndpoint`, which forwards
  Cognito's token request to the emulator (emulator.py's `ClientCredentialsToken`).

What cannot come from AWS on this machine is changed, and only that: `local_overrides()` lists
every change, with its reason, in one dict, which the tier prints. The services run under
gunicorn from this checkout's virtualenv with the image's application (`<service>_service:
create_app()`), not in their container images: the image's user and read-only root are therefore
not part of the rehearsal (the images tier runs the images; see README).
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import jwt
import requests
from deploy_harness import BOTO_CREDENTIALS, Deployment
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from devstack import ServiceProcess, free_port
from devstack.ports import LOCALHOST
from devstack.services import SERVICES_BY_NAME

TIMEOUT = 10
PLATFORM_PARAMETER = "/shopsmart/production/platform"  # the example variables' environment
COGNITO_TARGET = "AWSCognitoIdentityProviderService.ClientCredentialsToken"
TOKEN_PATH = "/oauth2/token"
SHOP_SERVICES = ("products", "cart", "orders")
WEB_SERVICE = "web"  # the platform's web page (the gateway image), which serves /config.json
WEB_CONFIG_PATH = "/config.json"
# A process's basics that the image's own ENV provides (PATH to its virtualenv), not AWS.
PROCESS_BASICS = ("PATH", "HOME", "LANG")


@dataclass(frozen=True)
class Override:
    """One thing the rehearsal changes in what ECS would run, and why."""

    value: str
    why: str


def local_overrides(
    emulator_url: str,
    user_pool_id: str,
    token_url: str,
    internal_urls: Mapping[str, str],
    compute: str = "ecs",
) -> dict[str, Override]:
    """THE list of what the rehearsal changes in each task definition (or, with compute "lambda",
    each function's configuration), and why; nothing else is.

    Keys naming a variable set it (`AWS_*`, added to every task) or replace the value the task
    definition gives (`SHOPSMART_*`, only where the definition has it); keys that are a URL replace
    that address wherever a value starts with it; `bind` is where gunicorn listens.
    """
    overrides = {
        "AWS_ENDPOINT_URL_DYNAMODB": Override(
            emulator_url, "the tables Terraform made live in the emulator, not in DynamoDB"
        ),
        "AWS_ACCESS_KEY_ID": Override(
            BOTO_CREDENTIALS["aws_access_key_id"],
            "ECS hands a task its role's credentials from its own endpoint; the emulator takes dummies",
        ),
        "AWS_SECRET_ACCESS_KEY": Override(BOTO_CREDENTIALS["aws_secret_access_key"], "as AWS_ACCESS_KEY_ID"),
        "SHOPSMART_JWKS_URL": Override(
            f"{emulator_url}/{user_pool_id}/.well-known/jwks.json",
            "Cognito's cognito-idp.<region>.amazonaws.com is the emulator, which serves the pool's keys here",
        ),
        "SHOPSMART_SERVICE_TOKEN_URL": Override(
            token_url,
            "the token endpoint lives on the pool's hosted-UI domain, which the emulator cannot serve; "
            "the harness serves it and the emulator's Cognito signs the token",
        ),
        **{
            internal: Override(
                local, "the internal load balancer's listener, followed to the service its target group holds"
            )
            for internal, local in internal_urls.items()
        },
        "bind": Override(
            f"{LOCALHOST}:<free port>",
            "each Fargate task has an address of its own and listens on the container port; "
            "here the tasks share one host",
        ),
    }
    if compute == "ecs":
        return overrides
    # Lambda mode (deployed_functions.py): each function runs in a container of its image, which
    # reaches this machine at emulator_url's host; nothing listens, so there is no `bind`.
    del overrides["bind"]
    credentials = (
        "Lambda gives a function its role's credentials in these variables; the emulator takes dummies"
    )
    return {
        **overrides,
        "AWS_ACCESS_KEY_ID": Override(BOTO_CREDENTIALS["aws_access_key_id"], credentials),
        "AWS_SESSION_TOKEN": Override("deploy-tier", "as AWS_ACCESS_KEY_ID"),
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": Override(
            emulator_url, "the handler reads its secrets at run time from Secrets Manager, the emulator's"
        ),
        **{
            internal: Override(
                local,
                "the internal load balancer's listener, followed to the function alias its target "
                "group holds; the harness gives it the ALB's event",
            )
            for internal, local in internal_urls.items()
        },
        "AWS_LAMBDA_RUNTIME_API": Override(
            f"{urlsplit(emulator_url).hostname}:<a port for each function>",
            "Lambda serves each execution environment's Runtime API itself; here the harness does",
        ),
    }


def platform_values(deployment: Deployment) -> dict[str, Any]:
    return json.loads(deployment.client("ssm").get_parameter(Name=PLATFORM_PARAMETER)["Parameter"]["Value"])


@dataclass(frozen=True)
class TaskDefinition:
    """One ECS service's registered task definition, as ECS would start its one container."""

    service: str
    family: str
    image: str
    environment: dict[str, str]
    secrets: dict[str, str]  # variable → ARN (valueFrom)
    container_port: int
    health_check: list[str]
    command: list[str] | None
    user: str | None
    read_only_root: bool
    target_groups: tuple[str, ...]

    @property
    def image_service(self) -> str:
        """The service the image was built for: its repository is shopsmart/<service>."""
        repository = self.image.rsplit(":", 1)[0]
        return repository.rsplit("/", 1)[-1]


def registered_task_definitions(deployment: Deployment, cluster: str) -> dict[str, TaskDefinition]:
    """Every service of the cluster with the task definition ECS would start for it."""
    ecs = deployment.client("ecs")
    arns = ecs.list_services(cluster=cluster)["serviceArns"]
    definitions = {}
    for service in ecs.describe_services(cluster=cluster, services=arns)["services"]:
        registered = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
        (container,) = registered["containerDefinitions"]
        definitions[service["serviceName"]] = TaskDefinition(
            service=service["serviceName"],
            family=registered["family"],
            image=container["image"],
            environment={item["name"]: item["value"] for item in container.get("environment", [])},
            secrets={item["name"]: item["valueFrom"] for item in container.get("secrets", [])},
            container_port=container["portMappings"][0]["containerPort"],
            health_check=container["healthCheck"]["command"],
            command=container.get("command"),
            user=container.get("user"),
            read_only_root=bool(container.get("readonlyRootFilesystem")),
            target_groups=tuple(balancer["targetGroupArn"] for balancer in service.get("loadBalancers", [])),
        )
    return definitions


def resolve_secret(deployment: Deployment, value_from: str) -> str:
    """A task's secret as ECS resolves it at start: Secrets Manager or SSM Parameter Store."""
    if value_from.startswith("arn:aws:ssm:"):
        name = "/" + value_from.split(":parameter/", 1)[1]
        return deployment.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    return deployment.client("secretsmanager").get_secret_value(SecretId=value_from)["SecretString"]


@dataclass(frozen=True)
class Rule:
    """A listener rule: its path patterns and what it does (forward to a target group, or answer)."""

    priority: int
    path_patterns: tuple[str, ...]
    target_group: str | None
    fixed_response: dict[str, str] | None

    def matches(self, path: str) -> bool:
        # ALB path patterns: case-sensitive, `*` any characters, `?` one; no query string.
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.path_patterns)


def listener_rules(deployment: Deployment, listener_arn: str) -> list[Rule]:
    """The listener's rules in the order the load balancer evaluates them, its default last."""
    rules = []
    for rule in deployment.client("elbv2").describe_rules(ListenerArn=listener_arn)["Rules"]:
        patterns = tuple(
            value
            for condition in rule.get("Conditions", [])
            if condition["Field"] == "path-pattern"
            for value in condition.get("PathPatternConfig", {}).get("Values") or condition.get("Values", [])
        )
        (action,) = [action for action in rule["Actions"] if action["Type"] != "authenticate-cognito"]
        rules.append(
            Rule(
                priority=sys.maxsize if rule["IsDefault"] else int(rule["Priority"]),
                path_patterns=("*",) if rule["IsDefault"] else patterns,
                target_group=action.get("TargetGroupArn"),
                fixed_response=action.get("FixedResponseConfig"),
            )
        )
    return sorted(rules, key=lambda rule: rule.priority)


@dataclass
class PublicLoadBalancer:
    """Requests sent where the public listener's rules send them (not the gateway's routes table)."""

    rules: list[Rule]
    targets: dict[str, str]  # target group ARN → base URL of the service registered with it
    session: requests.Session = field(default_factory=requests.Session)

    def rule_for(self, path: str) -> Rule:
        """The first rule, by priority, whose patterns match the path (the default matches all)."""
        return next(rule for rule in self.rules if rule.matches(path.split("?", 1)[0]))

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        rule = self.rule_for(path)
        if rule.fixed_response is not None:
            answer = requests.Response()
            answer.status_code = int(rule.fixed_response["StatusCode"])
            answer.headers["Content-Type"] = rule.fixed_response["ContentType"]
            answer._content = rule.fixed_response.get("MessageBody", "").encode()
            return answer
        if rule.target_group not in self.targets:
            raise AssertionError(f"{path} goes to {rule.target_group}, which no started task serves")
        return self.session.request(method, self.targets[rule.target_group] + path, timeout=TIMEOUT, **kwargs)


class TokenEndpoint:
    """Cognito's `POST /oauth2/token` for the client-credentials grant, served on a free port.

    It reads the request as Cognito does (HTTP Basic client id and secret, form `grant_type` and
    `scope`) and has the emulator's Cognito issue the token (emulator.py), so the token is signed
    with the pool's key. `issued` counts the tokens given, per client.
    """

    def __init__(self, emulator_url: str):
        self._emulator_url = emulator_url
        self.issued: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = make_server(LOCALHOST, free_port(), self._answer, threaded=True)
        self.url = f"http://{LOCALHOST}:{self._server.server_port}{TOKEN_PATH}"

    @Request.application
    def _answer(self, request: Request) -> Response:
        if request.path != TOKEN_PATH or request.method != "POST":
            return Response(status=404)
        authorization = request.authorization
        if request.form.get("grant_type") != "client_credentials":
            return _oauth_error("unsupported_grant_type")
        if authorization is None or authorization.type != "basic":
            return _oauth_error("invalid_client")
        answer = requests.post(
            self._emulator_url,
            headers={"X-Amz-Target": COGNITO_TARGET, "Content-Type": "application/x-amz-json-1.1"},
            data=json.dumps(
                {
                    "ClientId": authorization.username,
                    "ClientSecret": authorization.password,
                    "Scope": request.form.get("scope", ""),
                }
            ),
            timeout=TIMEOUT,
        )
        if answer.status_code != 200:
            return _oauth_error(answer.json().get("message", "invalid_request"))
        with self._lock:
            self.issued[authorization.username] = self.issued.get(authorization.username, 0) + 1
        return Response(answer.text, content_type="application/json")

    def __enter__(self) -> TokenEndpoint:
        threading.Thread(target=self._server.serve_forever, name="token-endpoint", daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()


def _oauth_error(error: str) -> Response:
    # Cognito answers a refused token request 400 with an OAuth2 error code (invalid_client too).
    return Response(json.dumps({"error": error}), status=400, content_type="application/json")


def basic_authorization(client_id: str, client_secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()


class Entrance(Protocol):
    """Where the shop's public traffic enters: the load balancer's rules or the HTTP API's routes."""

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response: ...


@dataclass(frozen=True)
class Purchase:
    """What a shopper's journey bought: the product as listed before, and the confirmed order."""

    product: dict[str, Any]
    order: dict[str, Any]


def shopper_buys(public: Entrance, tokens: Mapping[str, str], web_client_id: str) -> Purchase:
    """A signed-in shopper's journey through the public entrance: browse a category, add two of a
    product to the cart, view it, check out at its version; the order is CONFIRMED at the
    catalogue's price, readable with the ID token too, the stock went down by two and the cart is
    empty. The public entrance answers /internal/* with 404, never a service."""
    claims = jwt.decode(tokens["AccessToken"], options={"verify_signature": False})
    assert claims["token_use"] == "access" and claims["client_id"] == web_client_id
    shopper = {"Authorization": f"Bearer {tokens['AccessToken']}"}

    category = public.request("GET", "/categories").json()["items"][0]["name"]
    page = public.request("GET", "/products", params={"category": category, "limit": 20})
    assert page.status_code == 200, page.text
    product = next(item for item in page.json()["items"] if item["inventory_count"] >= 2)
    added = public.request(
        "POST", "/cart/items", json={"product_id": product["product_id"], "quantity": 2}, headers=shopper
    )
    assert added.status_code in (200, 201), added.text
    seen = public.request("GET", "/cart", headers=shopper).json()
    assert [line["product_id"] for line in seen["items"]] == [product["product_id"]]
    checkout = public.request(
        "POST",
        "/orders",
        json={"cart_version": seen["version"]},
        headers={**shopper, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert checkout.status_code == 201, checkout.text
    order = checkout.json()
    assert order["status"] == "CONFIRMED"
    assert Decimal(order["total_price"]) == 2 * Decimal(product["price"])

    # The ID token is a user's credential too (its audience is the web client).
    by_id_token = public.request(
        "GET", f"/orders/{order['order_id']}", headers={"Authorization": f"Bearer {tokens['IdToken']}"}
    )
    assert by_id_token.status_code == 200 and by_id_token.json()["status"] == "CONFIRMED", by_id_token.text
    after = public.request("GET", f"/products/{product['product_id']}").json()
    assert after["inventory_count"] == product["inventory_count"] - 2
    assert public.request("GET", "/cart", headers=shopper).json()["items"] == []
    assert public.request("GET", f"/internal/v1/reservations/{order['order_id']}").status_code == 404
    return Purchase(product, order)


def reservation_read_inside(products_url: str, order_id: str, token: str, shopper_token: str) -> None:
    """The services' Cognito-shaped token (`client_id` the services' client, no `aud`) reads the
    order's reservation, COMMITTED, from products' internal address; a shopper's token may not."""
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["token_use"] == "access" and "aud" not in claims, claims
    reservation = f"{products_url}/internal/v1/reservations/{order_id}"
    read = requests.get(reservation, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    assert read.status_code == 200 and read.json()["status"] == "COMMITTED", read.text
    refused = requests.get(reservation, headers={"Authorization": f"Bearer {shopper_token}"}, timeout=TIMEOUT)
    assert refused.status_code == 403, refused.text


def sign_in(
    deployment: Deployment, user_pool_id: str, client_id: str, email: str, password: str
) -> dict[str, str]:
    """A new shopper of the user pool signs in through the web client; Cognito's tokens."""
    cognito = deployment.client("cognito-idp")
    cognito.admin_create_user(UserPoolId=user_pool_id, Username=email, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=user_pool_id, Username=email, Password=password, Permanent=True
    )
    result = cognito.admin_initiate_auth(
        UserPoolId=user_pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return result["AuthenticationResult"]


def service_token(deployment: Deployment, token_url: str, client_id: str, secret_arn: str) -> str:
    """A token of the services' client from the token endpoint, with the secret the services get."""
    secret = resolve_secret(deployment, secret_arn)
    answer = requests.post(
        token_url,
        data={"grant_type": "client_credentials", "scope": "shopsmart/internal"},
        headers={"Authorization": basic_authorization(client_id, secret)},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


@dataclass
class DeployedShop:
    """The shop as ECS would run it from what the roots registered, on this machine."""

    deployment: Deployment
    published: dict[str, Any]
    definitions: dict[str, TaskDefinition]
    overrides: dict[str, Override]
    service_urls: dict[str, str]
    environments: dict[str, dict[str, str]]
    public: PublicLoadBalancer
    token_endpoint: TokenEndpoint
    user_pool_id: str
    logs: Path

    def web_config(self) -> dict[str, str]:
        """The page's sign-in settings (`/config.json`), as the web page's task is given them; the
        public listener sends `/config.json` to that task."""
        web = self.definitions[WEB_SERVICE]
        assert self.public.rule_for(WEB_CONFIG_PATH).target_group in web.target_groups
        return json.loads(web.environment["SHOPSMART_WEB_CONFIG"])

    def sign_in(self, email: str, password: str) -> dict[str, str]:
        """A shopper of the user pool signs in through the web client; Cognito's tokens."""
        return sign_in(self.deployment, self.user_pool_id, self.web_config()["client_id"], email, password)

    def service_token(self) -> str:
        """A token of the services' client from the token endpoint, with the secret its tasks get."""
        orders = self.definitions["orders"]
        return service_token(
            self.deployment,
            self.token_endpoint.url,
            orders.environment["SHOPSMART_SERVICE_CLIENT_ID"],
            orders.secrets["SHOPSMART_SERVICE_CLIENT_SECRET"],
        )

    def health_check(self, service: str) -> subprocess.CompletedProcess[str]:
        """The task definition's health check command, run against the service's process."""
        definition = self.definitions[service]
        kind, *command = definition.health_check
        assert kind == "CMD", definition.health_check
        inside = f"127.0.0.1:{definition.container_port}"
        local = self.service_urls[service].removeprefix("http://")
        argv = [sys.executable if part == "python" else part.replace(inside, local) for part in command]
        return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)

    def describe(self) -> str:
        """What the tier prints: every override and why, and what each task was started from."""
        lines = ["The rehearsal runs each registered task definition with only these overrides:"]
        lines += [f"  {name} = {value.value}\n      ({value.why})" for name, value in self.overrides.items()]
        lines += [
            f"  {name}: {definition.family} image {definition.image} → {self.service_urls[name]}"
            for name, definition in self.definitions.items()
            if name in self.service_urls
        ]
        return "\n".join(lines)


def task_environment(
    deployment: Deployment, definition: TaskDefinition, overrides: Mapping[str, Override]
) -> dict[str, str]:
    """What the task's process is given: the definition's environment and resolved secrets, then
    the overrides (see `local_overrides`); nothing from this shell but a process's basics."""
    environment = {name: os.environ[name] for name in PROCESS_BASICS if name in os.environ}
    environment.update(definition.environment)
    environment.update({name: resolve_secret(deployment, arn) for name, arn in definition.secrets.items()})
    return apply_overrides(environment, overrides)


def apply_overrides(environment: Mapping[str, str], overrides: Mapping[str, Override]) -> dict[str, str]:
    """The environment with the overrides applied, as `local_overrides` says how."""
    environment = dict(environment)
    for name, override in overrides.items():
        if name.startswith("AWS_") or (name.startswith("SHOPSMART_") and name in environment):
            environment[name] = override.value
        elif name.startswith("http"):
            environment = {
                key: override.value + value.removeprefix(name) if value.startswith(name) else value
                for key, value in environment.items()
            }
    return environment


@contextmanager
def deployed_shop(deployment: Deployment, logs: Path) -> Iterator[DeployedShop]:
    """Start products, cart and orders from their registered task definitions, as ECS would."""
    published = platform_values(deployment)
    emulator_url = deployment.emulator.endpoint_url
    user_pool_id = published["identity"]["SHOPSMART_JWT_ISSUER"].rsplit("/", 1)[-1]
    definitions = registered_task_definitions(deployment, published["cluster_name"])
    ports = {name: free_port() for name in SHOP_SERVICES}
    service_urls = {name: f"http://{LOCALHOST}:{port}" for name, port in ports.items()}
    targets = {
        group: service_urls[name] for name in SHOP_SERVICES for group in definitions[name].target_groups
    }

    elbv2 = deployment.client("elbv2")
    internal_dns = elbv2.describe_load_balancers(LoadBalancerArns=[published["internal_alb_arn"]])[
        "LoadBalancers"
    ][0]["DNSName"]
    internal_urls = {}
    for listener in elbv2.describe_listeners(LoadBalancerArn=published["internal_alb_arn"])["Listeners"]:
        (action,) = listener["DefaultActions"]
        internal_urls[f"http://{internal_dns}:{listener['Port']}"] = targets[action["TargetGroupArn"]]

    with ExitStack() as stack:
        token_endpoint = stack.enter_context(TokenEndpoint(emulator_url))
        overrides = local_overrides(emulator_url, user_pool_id, token_endpoint.url, internal_urls)
        environments = {
            name: task_environment(deployment, definitions[name], overrides) for name in SHOP_SERVICES
        }
        # The catalogue, seeded with the products task's own settings (a one-off task would be).
        products_module = SERVICES_BY_NAME["products"].module
        seeded = subprocess.run(
            [sys.executable, "-m", "flask", "--app", products_module, "seed", "--if-empty"],
            env=environments["products"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert seeded.returncode == 0, seeded.stdout + seeded.stderr
        for name in SHOP_SERVICES:
            process = ServiceProcess(
                name,
                SERVICES_BY_NAME[definitions[name].image_service].module,
                env=environments[name],
                log_path=logs / f"{name}.log",
                port=ports[name],
            )
            process.start()
            stack.callback(process.stop)
        yield DeployedShop(
            deployment=deployment,
            published=published,
            definitions=definitions,
            overrides=overrides,
            service_urls=service_urls,
            environments=environments,
            public=PublicLoadBalancer(listener_rules(deployment, published["public_listener_arn"]), targets),
            token_endpoint=token_endpoint,
            user_pool_id=user_pool_id,
            logs=logs,
        )
