"""The rehearsal runs what AWS would run: the services as their registered task definitions say,
in their images, identity from the user pool Terraform made, traffic as the load balancers' rules
send it.

Everything is read back from the emulator after the roots are applied, never built by the test:

- each ECS service of the platform's cluster (the cluster named in the published platform
  parameter) and its registered task definition: its image, entry point and command, `user`,
  read-only root and the task volumes it mounts, its container port and health check, its
  `environment`, and its `secrets` resolved from Secrets Manager or SSM as ECS resolves them at start;
- the public listener's rules (path patterns by priority, forward or fixed response) and the
  internal load balancer's listeners (port → target group), each target group leading to the ECS
  service registered with it;
- the user pool's clients, and its key: shoppers sign in through the web client with the flow it
  allows (USER_SRP_AUTH; emulator.py refuses the flows a client does not allow, as Cognito does),
  and the services' client-credentials token comes from `TokenEndpoint`, which forwards Cognito's
  token request to the emulator (emulator.py's `ClientCredentialsToken`).

Each task, the web page's too, runs as ECS would run it: a podman container of the image `make
images` built from this checkout (tests/images/podman_kit.py), as the definition's user, with a
read-only root and only the tmpfs its task volumes give, started with the image's entry point and
command (or the definition's), and healthy when its health check passes inside the container
within the time ECS gives it. The catalogue is seeded by a one-off task of the products
definition with another command, as `aws ecs run-task --overrides` would run it.

What cannot come from AWS on this machine is changed, and only that: `local_overrides()` lists
every change, with its reason, in one dict, which the tier prints.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import jwt
import requests
from deploy_harness import BOTO_CREDENTIALS, Deployment
from podman_kit import HOST_LOOPBACK, NETWORK, RUN_LABEL, BuiltImage, Podman
from pycognito.aws_srp import AWSSRP
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from devstack import free_port
from devstack.ports import LOCALHOST
from devstack.services import SERVICES_BY_NAME

TIMEOUT = 10
PLATFORM_PARAMETER = "/shopsmart/production/platform"  # the example variables' environment
COGNITO_TARGET = "AWSCognitoIdentityProviderService.ClientCredentialsToken"
TOKEN_PATH = "/oauth2/token"
SHOP_SERVICES = ("products", "cart", "orders")
WEB_SERVICE = "web"  # the platform's web page (the gateway image), which serves /config.json
WEB_CONFIG_PATH = "/config.json"
WEB_REPOSITORY = "gateway"  # the web page's task runs the gateway's image
TASKS = (*SHOP_SERVICES, WEB_SERVICE)
# `make images` tags each image it builds shopsmart/<repository>:local (docker/compose.yaml).
LOCAL_IMAGE = "shopsmart/{repository}:local"
ONE_OFF_DEADLINE_SECONDS = 120.0
# podman, and the images of this checkout by tag (podman_kit.current_images).
TaskImages = tuple[Podman, dict[str, BuiltImage]]


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
    local_images: Mapping[str, str] | None = None,
    published_ports: Mapping[str, int] | None = None,
    compute: str = "ecs",
) -> dict[str, Override]:
    """THE list of what the rehearsal changes in each task definition (or, with compute "lambda",
    each function's configuration), and why; nothing else is.

    Keys naming a variable set it (`AWS_*`, added to every task) or replace the value the task
    definition gives (`SHOPSMART_*`, only where the definition has it); keys that are a URL replace
    that address wherever a value starts with it; an ECR image's URI is replaced by the image
    `make images` built (`local_images`); `network` is where each task listens. Addresses are as a
    task's container sees them (the host's loopback is slirp's HOST_LOOPBACK there).
    """
    ports = ", ".join(f"{task} on 127.0.0.1:{port}" for task, port in (published_ports or {}).items())
    overrides = {
        **{
            registered: Override(
                local, "the image `make images` built from this checkout; nothing here pulls from ECR"
            )
            for registered, local in (local_images or {}).items()
        },
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
                local, "the internal load balancer's listener, followed to the task its target group holds"
            )
            for internal, local in internal_urls.items()
        },
        "network": Override(
            f"{NETWORK}; the container port published as {ports or '127.0.0.1:<free port>'}",
            "each Fargate task has an address of its own (awsvpc) and listens on the container port; "
            f"here each container has a network namespace of its own and reaches the host at {HOST_LOOPBACK}",
        ),
    }
    if compute == "ecs":
        return overrides
    # Lambda mode (deployed_functions.py): each function runs in a container of its image, which
    # reaches this machine at emulator_url's host; nothing listens, so there is no `network` entry.
    del overrides["network"]
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
    entry_point: list[str] | None = None
    # Where the task's own scratch volumes (task storage, no host path) are mounted, and tmpfs.
    scratch_mounts: tuple[str, ...] = ()
    # ECS marks a task unhealthy after its start period and `retries` failed checks, one each interval.
    health_deadline_seconds: float = 90.0

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
        check = container["healthCheck"]
        definitions[service["serviceName"]] = TaskDefinition(
            service=service["serviceName"],
            family=registered["family"],
            image=container["image"],
            environment={item["name"]: item["value"] for item in container.get("environment", [])},
            secrets={item["name"]: item["valueFrom"] for item in container.get("secrets", [])},
            container_port=container["portMappings"][0]["containerPort"],
            health_check=check["command"],
            command=container.get("command"),
            user=container.get("user"),
            read_only_root=bool(container.get("readonlyRootFilesystem")),
            target_groups=tuple(balancer["targetGroupArn"] for balancer in service.get("loadBalancers", [])),
            entry_point=container.get("entryPoint"),
            scratch_mounts=scratch_mounts(registered.get("volumes", []), container),
            health_deadline_seconds=float(
                check.get("startPeriod", 0) + check.get("interval", 30) * check.get("retries", 3)
            ),
        )
    return definitions


def scratch_mounts(volumes: list[dict[str, Any]], container: dict[str, Any]) -> tuple[str, ...]:
    """The container paths given writable scratch space: mounts of the task's own storage (a volume
    with no host path, EFS or Docker volume) and `linuxParameters.tmpfs`. A mount the rehearsal
    cannot give (another kind of volume) fails it rather than being left out."""
    by_name = {volume["name"]: volume for volume in volumes}
    paths = []
    for mount in container.get("mountPoints", []):
        volume = by_name[mount["sourceVolume"]]
        kinds = {
            "efsVolumeConfiguration",
            "dockerVolumeConfiguration",
            "fsxWindowsFileServerVolumeConfiguration",
        }
        if kinds & set(volume) or volume.get("host", {}).get("sourcePath") or mount.get("readOnly"):
            raise AssertionError(f"the rehearsal cannot mount volume {volume} at {mount['containerPath']}")
        paths.append(mount["containerPath"])
    paths += [tmpfs["containerPath"] for tmpfs in container.get("linuxParameters", {}).get("tmpfs", [])]
    return tuple(paths)


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


def srp_sign_in(
    cognito: Any, user_pool_id: str, client_id: str, username: str, password: str
) -> dict[str, str]:
    """Sign in with USER_SRP_AUTH, as the Amplify and Cognito SDKs do (pycognito's SRP client):
    the password never leaves this side; Cognito's tokens (`AuthenticationResult`)."""
    answer = AWSSRP(username, password, user_pool_id, client_id, client=cognito).authenticate_user()
    return answer["AuthenticationResult"]


def basic_authorization(client_id: str, client_secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()


def container_options(definition: TaskDefinition, name: str, env_file: Path) -> list[str]:
    """`podman run`'s options for a task of this definition, as ECS would configure its container:
    the definition's user, its read-only root with tmpfs only where the task gives scratch space,
    its environment (from a file: secrets stay out of the process list), its entry point. No
    health-check timer (the harness runs the definition's check), no port (see `TaskContainer`)."""
    options = [
        "--name", name, "--label", f"{RUN_LABEL}={os.getpid()}",
        "--network", NETWORK, "--env-file", str(env_file), "--no-healthcheck",
    ]  # fmt: skip
    if definition.user:
        options += ["--user", definition.user]
    if definition.read_only_root:
        # podman would otherwise add tmpfs at /tmp, /var/tmp and /run of its own accord.
        options += ["--read-only", "--read-only-tmpfs=false"]
    for path in definition.scratch_mounts:
        options += ["--tmpfs", path]
    if definition.entry_point is not None:
        # podman takes an entry point of several words as a JSON array.
        options += ["--entrypoint", json.dumps(definition.entry_point)]
    return options


@dataclass
class TaskContainer:
    """One task of a definition, as a podman container of the locally built image."""

    podman: Podman
    definition: TaskDefinition
    image: BuiltImage
    name: str
    host_port: int
    environment: dict[str, str]

    def run(self, work_dir: Path, *, detach: bool = True, command: list[str] | None = None) -> None:
        """Start the task (detached, its port published), or run it to completion as a one-off
        task whose `command` replaces the definition's; its environment goes through a file."""
        env_file = work_dir / f"{self.name}.env"
        env_file.touch(mode=0o600)
        env_file.write_text("".join(f"{key}={value}\n" for key, value in self.environment.items()))
        options = container_options(self.definition, self.name, env_file)
        command = command if command is not None else (self.definition.command or [])
        try:
            if detach:
                port = self.definition.container_port
                self.podman("run", "--detach", *options, "--publish", f"{LOCALHOST}:{self.host_port}:{port}",
                            self.image.image_id, *command)  # fmt: skip
            else:
                result = self.podman("run", *options, self.image.image_id, *command,
                                     check=False, timeout=ONE_OFF_DEADLINE_SECONDS)  # fmt: skip
                assert result.returncode == 0, f"{self.name} exited {result.returncode}:\n{result.stderr}"
        finally:
            # podman has read the file when `run` returns; the secrets are not left on disk.
            env_file.unlink()

    def await_healthy(self) -> None:
        """Healthy when the definition's check passes inside the container, within the time ECS
        gives the task before it counts as unhealthy."""
        self.podman.await_healthy(
            self.name, self.definition.health_check, self.definition.health_deadline_seconds
        )

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.host_port}"


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
    """A new shopper of the user pool signs in through the web client with the flow it allows
    (SRP); Cognito's tokens."""
    cognito = deployment.client("cognito-idp")
    cognito.admin_create_user(UserPoolId=user_pool_id, Username=email, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=user_pool_id, Username=email, Password=password, Permanent=True
    )
    return srp_sign_in(cognito, user_pool_id, client_id, email, password)


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
    containers: dict[str, TaskContainer] = field(default_factory=dict)
    internal_from_host: dict[str, str] = field(default_factory=dict)

    def web_config(self) -> dict[str, str]:
        """The page's sign-in settings: `/config.json` read from the web page's task through the
        public listener's rules."""
        web = self.definitions[WEB_SERVICE]
        assert self.public.rule_for(WEB_CONFIG_PATH).target_group in web.target_groups
        answer = self.public.request("GET", WEB_CONFIG_PATH)
        assert answer.status_code == 200, answer.text
        return answer.json()

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
        """The task definition's health check command, run inside the task's container."""
        task = self.containers[service]
        return task.podman.exec_healthcheck(task.name, task.definition.health_check)

    def from_host(self, internal_url: str) -> str:
        """An internal load balancer's address as this machine reaches the task behind it."""
        return self.internal_from_host[internal_url]

    def describe(self) -> str:
        """What the tier prints: every override and why, and what each task was started from."""
        lines = ["The rehearsal runs each registered task definition with only these overrides:"]
        lines += [f"  {name} = {value.value}\n      ({value.why})" for name, value in self.overrides.items()]
        for name, task in self.containers.items():
            definition = task.definition
            lines.append(
                f"  {name}: {definition.family} image {definition.image} as {task.image.tag} "
                f"({task.image.image_id[:12]}), user {definition.user}, read-only root "
                f"{definition.read_only_root}, tmpfs {list(definition.scratch_mounts)} → {task.url}"
            )
        return "\n".join(lines)


def task_environment(
    deployment: Deployment, definition: TaskDefinition, overrides: Mapping[str, Override]
) -> dict[str, str]:
    """What the task's container is given: the definition's environment and resolved secrets, then
    the overrides (see `local_overrides`); the image's own ENV (PATH, …) stays as built."""
    environment = dict(definition.environment)
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


def local_image_for(definition: TaskDefinition, images: Mapping[str, BuiltImage]) -> BuiltImage:
    """The image `make images` built for the definition's ECR repository (shopsmart/<name>)."""
    tag = LOCAL_IMAGE.format(repository=definition.image_service)
    assert tag in images, f"{definition.image}: no image {tag} is built by make images"
    return images[tag]


def seen_from_containers(url: str) -> str:
    """A URL on this machine's loopback as a task's or function's container reaches it."""
    return url.replace(f"//{LOCALHOST}:", f"//{HOST_LOOPBACK}:")


@contextmanager
def deployed_shop(
    deployment: Deployment, logs: Path, images: Mapping[str, BuiltImage], podman: Podman
) -> Iterator[DeployedShop]:
    """Start products, cart, orders and the web page from their registered task definitions, in
    their images, as ECS would; the catalogue seeded by a one-off products task."""
    published = platform_values(deployment)
    emulator_url = deployment.emulator.endpoint_url
    user_pool_id = published["identity"]["SHOPSMART_JWT_ISSUER"].rsplit("/", 1)[-1]
    definitions = registered_task_definitions(deployment, published["cluster_name"])
    ports = {name: free_port() for name in TASKS}
    service_urls = {name: f"http://{LOCALHOST}:{port}" for name, port in ports.items()}
    by_group = {group: name for name in TASKS for group in definitions[name].target_groups}
    targets = {group: service_urls[name] for group, name in by_group.items()}
    local_images = {definitions[name].image: local_image_for(definitions[name], images) for name in TASKS}

    elbv2 = deployment.client("elbv2")
    internal_dns = elbv2.describe_load_balancers(LoadBalancerArns=[published["internal_alb_arn"]])[
        "LoadBalancers"
    ][0]["DNSName"]
    internal_from_host = {}
    for listener in elbv2.describe_listeners(LoadBalancerArn=published["internal_alb_arn"])["Listeners"]:
        (action,) = listener["DefaultActions"]
        internal_from_host[f"http://{internal_dns}:{listener['Port']}"] = targets[action["TargetGroupArn"]]

    run_id = f"shopsmart-deploy-{secrets.token_hex(4)}"
    with ExitStack() as stack:
        token_endpoint = stack.enter_context(TokenEndpoint(emulator_url))
        overrides = local_overrides(
            seen_from_containers(emulator_url),
            user_pool_id,
            seen_from_containers(token_endpoint.url),
            {internal: seen_from_containers(url) for internal, url in internal_from_host.items()},
            local_images={
                registered: f"{image.tag} ({image.image_id[:12]})"
                for registered, image in local_images.items()
            },
            published_ports=ports,
        )
        environments = {name: task_environment(deployment, definitions[name], overrides) for name in TASKS}
        containers = {
            name: TaskContainer(
                podman,
                definitions[name],
                local_images[definitions[name].image],
                f"{run_id}-{name}",
                ports[name],
                environments[name],
            )
            for name in TASKS
        }
        names = [task.name for task in containers.values()] + [f"{run_id}-seed"]
        stack.callback(lambda: podman("rm", "--force", "--time=0", *names, check=False))
        work_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"{run_id}-")))
        # The catalogue, seeded by a one-off task of the products definition (run-task with a
        # command override), side by side with the services' tasks starting.
        seed = TaskContainer(
            podman, definitions["products"], containers["products"].image, f"{run_id}-seed", 0,
            environments["products"],
        )  # fmt: skip
        seed_command = ["flask", "--app", SERVICES_BY_NAME["products"].module, "seed", "--if-empty"]

        def start(task: TaskContainer) -> None:
            task.run(work_dir)
            task.await_healthy()

        with ThreadPoolExecutor(max_workers=len(TASKS) + 1) as pool:
            seeded = pool.submit(seed.run, work_dir, detach=False, command=seed_command)
            started = [pool.submit(start, task) for task in containers.values()]
            for future in [seeded, *started]:
                future.result()
        try:
            yield DeployedShop(
                deployment=deployment,
                published=published,
                definitions=definitions,
                overrides=overrides,
                service_urls=service_urls,
                environments=environments,
                public=PublicLoadBalancer(
                    listener_rules(deployment, published["public_listener_arn"]), targets
                ),
                token_endpoint=token_endpoint,
                user_pool_id=user_pool_id,
                logs=logs,
                containers=containers,
                internal_from_host=internal_from_host,
            )
        finally:
            for task in containers.values():
                (logs / f"{task.definition.service}.log").write_text(podman.logs(task.name))
