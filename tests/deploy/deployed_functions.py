"""Lambda mode of the rehearsal: each function run as Lambda would run it, from what the roots registered.

Read back from the emulator after the roots are applied, never built by the test:

- each function's configuration at the version its `live` alias points to (GetAlias, then
  GetFunction of that version): its ImageUri, found in the emulator's ECR as Lambda finds it (the
  manifest registered under that tag is the image's own manifest, whose config digest is the local
  image's id, and the function's CodeSha256 is that manifest's digest), the image's entrypoint and
  command unless ImageConfig replaces them, its environment, memory, timeout and log group;
- the HTTP API's routes and their integrations (route key → integration → the alias it invokes);
- the internal load balancer's listeners, their target groups and the alias each one holds.

Each function runs in a container of its image (podman, as the images tier runs them), started
once and kept, as Lambda keeps an execution environment: the image's entrypoint runs the runtime
interface client, which takes invocations from `RuntimeApi` (the Lambda Runtime API, served by
the harness), runs the configured handler and posts its result back. On its first invocation the
handler reads its secrets itself from the emulator's Secrets Manager (SHOPSMART_SECRET_ARNS). The
root filesystem is read-only with a writable /tmp, as Lambda's is. One environment per function
takes one invocation at a time; where Lambda would start another environment for a concurrent
request, the harness makes it wait (the journey sends one request at a time).

What cannot come from AWS here is in `deployed_wiring.local_overrides` (its Lambda entries),
printed by the tier.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import podman_kit
import requests
from deploy_harness import PLATFORM, SERVICE_ROOTS, Deployment
from deployed_wiring import (
    SHOP_SERVICES,
    Override,
    TokenEndpoint,
    apply_overrides,
    local_overrides,
    platform_values,
    seen_from_containers,
)
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from devstack import free_port
from devstack.ports import LOCALHOST
from test_kit.lambda_runtime import RuntimeApi

# Lambda's init phase may take 10 s; a cold start on this busy 2-core machine is given longer.
INIT_ALLOWANCE_SECONDS = 60.0
COMMAND_EVENT_KEY = "shopsmart_command"  # docker/lambda/lambda_handler.py's scheduled commands
SOURCE_IP = "203.0.113.7"  # a documentation address: the shopper as API Gateway sees them


@dataclass(frozen=True)
class FunctionConfiguration:
    """One function's configuration at the version an alias points to, as Lambda runs it."""

    name: str
    alias_arn: str
    version: str
    region: str
    image_uri: str
    code_sha256: str
    entry_point: list[str] | None
    command: list[str] | None
    working_directory: str | None
    environment: dict[str, str]
    memory_mb: int
    timeout_seconds: int
    log_group: str

    @property
    def secret_arns(self) -> dict[str, str]:
        """The secrets the handler reads at run time: variable → Secrets Manager ARN."""
        return json.loads(self.environment.get("SHOPSMART_SECRET_ARNS") or "{}")


def function_configuration(deployment: Deployment, alias_arn: str) -> FunctionConfiguration:
    """The configuration of the version the alias (`arn:…:function:<name>:<alias>`) points to."""
    *_, region, _, _, name, alias = alias_arn.split(":")
    functions = deployment.client("lambda")
    version = functions.get_alias(FunctionName=name, Name=alias)["FunctionVersion"]
    function = functions.get_function(FunctionName=name, Qualifier=version)
    configuration = function["Configuration"]
    image_config = configuration.get("ImageConfigResponse", {}).get("ImageConfig", {})
    return FunctionConfiguration(
        name=name,
        alias_arn=alias_arn,
        version=version,
        region=region,
        image_uri=function["Code"]["ImageUri"],
        code_sha256=configuration["CodeSha256"],
        # Lambda answers an unset ImageConfig with empty lists: the image's own then apply.
        entry_point=image_config.get("EntryPoint") or None,
        command=image_config.get("Command") or None,
        working_directory=image_config.get("WorkingDirectory"),
        environment=configuration.get("Environment", {}).get("Variables", {}),
        memory_mb=int(configuration["MemorySize"]),
        timeout_seconds=int(configuration["Timeout"]),
        log_group=configuration.get("LoggingConfig", {}).get("LogGroup", f"/aws/lambda/{name}"),
    )


def _repository_and_tag(image_uri: str) -> tuple[str, str]:
    repository, _, tag = image_uri.split("/", 1)[1].rpartition(":")
    return repository, tag


def image_manifest(podman: Any, image: str) -> str:
    """The local image's own manifest, byte for byte (its sha256 is the image's digest)."""
    shown = subprocess.run(
        ["buildah", "inspect", "--type", "image", "--format", "{{.Manifest}}", image],
        env=podman.environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return shown.stdout.strip()


def register_function_images(
    deployment: Deployment,
    plans: Mapping[str, tuple[Any, dict]],
    images: Mapping[str, podman_kit.BuiltImage],
) -> list[str]:
    """Push, as a release would, each function's image to the repository and tag its planned
    configuration names: the manifest of the function image built from this checkout
    (`shopsmart/<service>:lambda` in `images`, by id), so ECR's digest is the image's. Returns the
    image URIs registered."""
    podman = podman_kit.Podman()
    ecr = deployment.client("ecr")
    registered = []
    for root in SERVICE_ROOTS:
        (function,) = [
            change["change"]["after"]
            for change in plans[root][1]["resource_changes"]
            if change["type"] == "aws_lambda_function"
        ]
        repository, tag = _repository_and_tag(function["image_uri"])
        local = images[podman_kit.lambda_image(repository.rsplit("/", 1)[-1])].image_id
        ecr.put_image(repositoryName=repository, imageManifest=image_manifest(podman, local), imageTag=tag)
        registered.append(function["image_uri"])
    return registered


def retag_function_image(deployment: Deployment, image_uri: str, tag: str) -> str:
    """Push the image `image_uri` names again under `tag`, as a release's pipeline pushes its
    image before the apply (the emulator, like Lambda, refuses a function whose image is not in
    ECR). Returns the new image URI."""
    repository, current = _repository_and_tag(image_uri)
    ecr = deployment.client("ecr")
    (image,) = ecr.batch_get_image(repositoryName=repository, imageIds=[{"imageTag": current}])["images"]
    ecr.put_image(repositoryName=repository, imageManifest=image["imageManifest"], imageTag=tag)
    return f"{image_uri.rpartition(':')[0]}:{tag}"


def image_of(deployment: Deployment, configuration: FunctionConfiguration) -> str:
    """The local image the configuration names, found through ECR: the manifest stored for its
    tag (whose digest the function recorded as CodeSha256) names the image's config, the id."""
    repository, tag = _repository_and_tag(configuration.image_uri)
    (image,) = deployment.client("ecr").batch_get_image(
        repositoryName=repository, imageIds=[{"imageTag": tag}]
    )["images"]
    assert image["imageId"]["imageDigest"] == f"sha256:{configuration.code_sha256}", configuration
    return json.loads(image["imageManifest"])["config"]["digest"].removeprefix("sha256:")


def lambda_variables(configuration: FunctionConfiguration, handler: str) -> dict[str, str]:
    """What Lambda itself sets in an execution environment, from the function's configuration."""
    return {
        "AWS_REGION": configuration.region,
        "AWS_DEFAULT_REGION": configuration.region,
        "AWS_LAMBDA_FUNCTION_NAME": configuration.name,
        "AWS_LAMBDA_FUNCTION_VERSION": configuration.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(configuration.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": configuration.log_group,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "_HANDLER": handler,
    }


@dataclass
class FunctionEnvironment:
    """One execution environment of a function: a container of its image and its Runtime API."""

    configuration: FunctionConfiguration
    image_id: str
    environment: dict[str, str]
    runtime_api: RuntimeApi
    container: str

    def invoke(self, event: dict[str, Any]) -> tuple[str, Any]:
        return self.runtime_api.invoke(event, self.configuration.timeout_seconds, INIT_ALLOWANCE_SECONDS)

    def logs(self) -> str:
        return podman_kit.Podman().logs(self.container)


def start_function(
    stack: ExitStack,
    configuration: FunctionConfiguration,
    image_id: str,
    overrides: Mapping[str, Override],
    work_dir: Path,
) -> FunctionEnvironment:
    """Start the function's image as Lambda would: its entrypoint, its handler (ImageConfig's
    command or the image's CMD), its environment with Lambda's own variables and the overrides,
    a read-only root with a writable /tmp; it waits for invocations from its Runtime API."""
    podman = podman_kit.Podman()
    image = podman.inspect("image", image_id)["Config"]
    command = configuration.command or image.get("Cmd") or []
    runtime_api = stack.enter_context(RuntimeApi(configuration.alias_arn))
    environment = apply_overrides(
        {**configuration.environment, **lambda_variables(configuration, command[0] if command else "")},
        overrides,
    )
    # Each environment has a Runtime API of its own (the override names the harness's address).
    host = overrides["AWS_LAMBDA_RUNTIME_API"].value.split(":", 1)[0]
    environment["AWS_LAMBDA_RUNTIME_API"] = f"{host}:{runtime_api.server_port}"
    container = f"shopsmart-lambda-{configuration.name}-{secrets.token_hex(3)}"
    env_file = work_dir / f"{container}.env"
    # A file, not -e, keeps the secrets' and credentials' values out of the process list.
    env_file.write_text("".join(f"{name}={value}\n" for name, value in environment.items()))
    options = [
        "--detach", "--name", container, "--label", f"{podman_kit.RUN_LABEL}={os.getpid()}",
        "--network", podman_kit.NETWORK, "--env-file", str(env_file), "--no-healthcheck",
        "--read-only", "--tmpfs", "/tmp",
    ]  # fmt: skip
    if configuration.entry_point:
        options += ["--entrypoint", json.dumps(configuration.entry_point)]
    if configuration.working_directory:
        options += ["--workdir", configuration.working_directory]
    podman("run", *options, image_id, *command)
    stack.callback(podman, "rm", "--force", "--time=0", container, check=False)
    return FunctionEnvironment(configuration, image_id, environment, runtime_api, container)


def _answer_as_requests(status: int, headers: Mapping[str, str], body: bytes, url: str) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer.headers.update(headers)
    answer._content = body
    answer.url = url
    answer.encoding = "utf-8"
    return answer


def _body_of(result: Mapping[str, Any]) -> bytes:
    body = result.get("body") or ""
    return base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()


def _event_body(body: bytes | str | None) -> tuple[str | None, bool]:
    """A request body as API Gateway and the ALB put it in an event: text, or base64 if binary."""
    if body is None:
        return None, False
    raw = body.encode() if isinstance(body, str) else body
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode(), True


@dataclass(frozen=True)
class Route:
    """An HTTP API route (`ANY /products/{proxy+}`) and the function alias its integration invokes."""

    key: str
    function: str

    @property
    def method(self) -> str:
        return self.key.split(" ", 1)[0] if self.key != "$default" else "ANY"

    @property
    def pattern(self) -> re.Pattern[str]:
        if self.key == "$default":
            return re.compile(".*")
        path = re.escape(self.key.split(" ", 1)[1])
        path = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", path)
        return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", path))

    def specificity(self) -> tuple[bool, bool, int, bool]:
        """API Gateway's choice among matching routes: $default last, then a greedy path variable
        after every other path, longer literal paths first, a method before ANY."""
        literal = re.sub(r"\{[^}]+\}", "", self.key)
        return (self.key == "$default", "+}" in self.key, -len(literal), self.method == "ANY")


def http_api_routes(deployment: Deployment, api_id: str) -> list[Route]:
    """The API's routes, each with the function alias its (AWS_PROXY, payload 2.0) integration invokes."""
    api = deployment.client("apigatewayv2")
    integrations = {item["IntegrationId"]: item for item in api.get_integrations(ApiId=api_id)["Items"]}
    routes = []
    for route in api.get_routes(ApiId=api_id)["Items"]:
        integration = integrations[route["Target"].removeprefix("integrations/")]
        assert integration["IntegrationType"] == "AWS_PROXY", integration
        assert integration["PayloadFormatVersion"] == "2.0", integration
        # An invoke ARN: arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations
        uri = integration["IntegrationUri"]
        function = (
            uri.split("/functions/", 1)[1].removesuffix("/invocations") if "/functions/" in uri else uri
        )
        routes.append(Route(route["RouteKey"], function))
    return sorted(routes, key=Route.specificity)


@dataclass
class HttpApi:
    """Requests sent where the HTTP API's routes send them, as the payload 2.0 events API
    Gateway gives their functions (not the gateway's routes table)."""

    api_id: str
    domain: str
    routes: list[Route]
    functions: dict[str, FunctionEnvironment]  # alias ARN → its environment

    def route_for(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            matched = route.pattern.fullmatch(path)
            if matched and route.method in ("ANY", method):
                return route, matched.groupdict()
        return None

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        prepared = requests.Request(method, f"https://{self.domain}{path}", **kwargs).prepare()
        split = urlsplit(prepared.url)
        found = self.route_for(method, split.path)
        if found is None:
            # API Gateway's own answer when no route matches.
            return _answer_as_requests(
                404, {"Content-Type": "application/json"}, b'{"message":"Not Found"}', path
            )
        route, path_parameters = found
        headers: dict[str, str] = {"host": self.domain}
        for name, value in prepared.headers.items():
            headers[name.lower()] = value
        body, encoded = _event_body(prepared.body)
        now = time.time()
        event = {
            "version": "2.0",
            "routeKey": route.key,
            "rawPath": split.path,
            "rawQueryString": split.query,
            "headers": headers,
            "requestContext": {
                "accountId": route.function.split(":")[4],
                "apiId": self.api_id,
                "domainName": self.domain,
                "domainPrefix": self.domain.split(".", 1)[0],
                "http": {
                    "method": method,
                    "path": split.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": SOURCE_IP,
                    "userAgent": headers.get("user-agent", ""),
                },
                "requestId": str(uuid.uuid4()),
                "routeKey": route.key,
                "stage": "$default",
                "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "timeEpoch": int(now * 1000),
            },
            "isBase64Encoded": encoded,
        }
        if split.query:
            # Values decoded, a repeated name's values joined with commas, as API Gateway does.
            parameters: dict[str, list[str]] = {}
            for name, value in parse_qsl(split.query, keep_blank_values=True):
                parameters.setdefault(name, []).append(value)
            event["queryStringParameters"] = {name: ",".join(values) for name, values in parameters.items()}
        if path_parameters:
            event["pathParameters"] = path_parameters
        if body is not None:
            event["body"] = body
        kind, result = self.functions[route.function].invoke(event)
        if kind != "response" or not isinstance(result, dict) or "statusCode" not in result:
            # A function error is API Gateway's 500, never the function's own output.
            return _answer_as_requests(
                500, {"Content-Type": "application/json"}, b'{"message":"Internal Server Error"}', path
            )
        return _answer_as_requests(result["statusCode"], result.get("headers") or {}, _body_of(result), path)


class InternalListener:
    """One listener of the internal load balancer, served on a free port: each request becomes the
    event an ALB gives a Lambda target (path and query as received, lower-case headers), for the
    function alias its target group holds; a function error is the ALB's 502."""

    def __init__(
        self, target_group_arn: str, alias_arn: str, functions: Mapping[str, FunctionEnvironment]
    ) -> None:
        self.target_group_arn = target_group_arn
        self.alias_arn = alias_arn
        # Looked up per request: the listener's address is given to the functions as they start.
        self._functions = functions
        self._server = make_server(LOCALHOST, free_port(), self._answer, threaded=True)
        self.port = self._server.server_port

    @Request.application
    def _answer(self, request: Request) -> Response:
        raw = urlsplit(request.environ.get("REQUEST_URI") or request.full_path)
        body, encoded = _event_body(request.get_data() or None)
        event = {
            "requestContext": {"elb": {"targetGroupArn": self.target_group_arn}},
            "httpMethod": request.method,
            "path": raw.path,
            # The ALB passes names and values as the client sent them, still percent-encoded.
            "queryStringParameters": dict(
                pair.split("=", 1) if "=" in pair else (pair, "") for pair in raw.query.split("&") if pair
            ),
            "headers": {name.lower(): value for name, value in request.headers.items()},
            "body": body or "",
            "isBase64Encoded": encoded,
        }
        kind, result = self._functions[self.alias_arn].invoke(event)
        if kind != "response" or not isinstance(result, dict):
            return Response("502 Bad Gateway", status=502, content_type="text/html")
        return Response(_body_of(result), status=result["statusCode"], headers=result.get("headers") or {})

    def __enter__(self) -> InternalListener:
        threading.Thread(target=self._server.serve_forever, name="internal-listener", daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()


def internal_listeners(deployment: Deployment, load_balancer_arn: str) -> dict[str, tuple[int, str]]:
    """The internal load balancer's address for each listener (`http://<dns>:<port>`), with the
    listener's port and the target group it forwards to."""
    elbv2 = deployment.client("elbv2")
    (balancer,) = elbv2.describe_load_balancers(LoadBalancerArns=[load_balancer_arn])["LoadBalancers"]
    listeners = {}
    for listener in elbv2.describe_listeners(LoadBalancerArn=load_balancer_arn)["Listeners"]:
        (action,) = listener["DefaultActions"]
        listeners[f"http://{balancer['DNSName']}:{listener['Port']}"] = (
            listener["Port"],
            action["TargetGroupArn"],
        )
    return listeners


def target_function(deployment: Deployment, target_group_arn: str) -> str:
    """The one Lambda target (a function alias) registered with a target group."""
    targets = deployment.client("elbv2").describe_target_health(TargetGroupArn=target_group_arn)
    (target,) = [description["Target"]["Id"] for description in targets["TargetHealthDescriptions"]]
    return target


@dataclass
class DeployedFunctions:
    """The shop as Lambda would run it from what the roots registered, on this machine."""

    deployment: Deployment
    published: dict[str, Any]
    configurations: dict[str, FunctionConfiguration]  # service → its function's configuration
    functions: dict[str, FunctionEnvironment]  # service → its execution environment
    overrides: dict[str, Override]
    internal_urls: dict[str, str]  # the internal load balancer's address → the harness's listener
    public: HttpApi
    token_endpoint: TokenEndpoint
    user_pool_id: str
    web_client_id: str

    def describe(self) -> str:
        """What the tier prints: every override and why, and what each function was started from."""
        lines = ["The Lambda rehearsal runs each function's configuration with only these overrides:"]
        lines += [f"  {name} = {value.value}\n      ({value.why})" for name, value in self.overrides.items()]
        lines += [
            f"  {service}: {function.configuration.name} version {function.configuration.version} "
            f"image {function.configuration.image_uri} (local {function.image_id[:12]})"
            for service, function in self.functions.items()
        ]
        return "\n".join(lines)


@contextmanager
def deployed_functions(deployment: Deployment, work_dir: Path) -> Iterator[DeployedFunctions]:
    """Start products', cart's and orders' functions from their configurations, as Lambda would,
    behind the HTTP API's routes and the internal load balancer's listeners read back."""
    published = platform_values(deployment)
    user_pool_id = published["identity"]["SHOPSMART_JWT_ISSUER"].rsplit("/", 1)[-1]
    api_id = published["http_api_id"]
    api = deployment.client("apigatewayv2").get_api(ApiId=api_id)
    routes = http_api_routes(deployment, api_id)
    aliases = {route.function for route in routes}
    configurations = {
        service: function_configuration(deployment, alias)
        for alias in aliases
        for service in SHOP_SERVICES
        if alias.split(":")[6] == f"{published['name']}-{service}"
    }
    listeners = internal_listeners(deployment, published["internal_alb_arn"])
    podman_kit.remove_leftovers_of_dead_runs(podman_kit.Podman())

    with ExitStack() as stack:
        token_endpoint = stack.enter_context(TokenEndpoint(deployment.emulator.endpoint_url))
        functions: dict[str, FunctionEnvironment] = {}
        by_alias: dict[str, FunctionEnvironment] = {}
        internal_urls = {}
        for address, (_, target_group) in listeners.items():
            listener = InternalListener(target_group, target_function(deployment, target_group), by_alias)
            stack.enter_context(listener)
            internal_urls[address] = f"http://{podman_kit.HOST_LOOPBACK}:{listener.port}"
        overrides = local_overrides(
            seen_from_containers(deployment.emulator.endpoint_url),
            user_pool_id,
            seen_from_containers(token_endpoint.url),
            internal_urls,
            compute="lambda",
        )
        for service, configuration in configurations.items():
            function = start_function(
                stack, configuration, image_of(deployment, configuration), overrides, work_dir
            )
            functions[service] = by_alias[configuration.alias_arn] = function
        yield DeployedFunctions(
            deployment=deployment,
            published=published,
            configurations=configurations,
            functions=functions,
            overrides=overrides,
            internal_urls=internal_urls,
            public=HttpApi(api_id, urlsplit(api["ApiEndpoint"]).netloc, routes, by_alias),
            token_endpoint=token_endpoint,
            user_pool_id=user_pool_id,
            web_client_id=deployment.outputs(PLATFORM)["web_config"]["client_id"],
        )


def remove_function_images(deployment: Deployment) -> None:
    """Delete the images `register_function_images` pushed: the platform's repositories keep their
    images (no force_delete, an image is a release), so a repository holding one is not destroyed."""
    ecr = deployment.client("ecr")
    for repository in ecr.describe_repositories()["repositories"]:
        name = repository["repositoryName"]
        images = ecr.list_images(repositoryName=name)["imageIds"]
        if images:
            ecr.batch_delete_image(repositoryName=name, imageIds=images)


class ServiceRootsDestroy:
    """The destroy of a deployment's service roots, started in the background by the first test that
    no longer needs them and awaited by the teardown, so that it overlaps the tier's other tests."""

    def __init__(self, deployment: Deployment) -> None:
        self._deployment = deployment
        self._pool = ThreadPoolExecutor(max_workers=len(SERVICE_ROOTS))
        self._destroys: list[Future[Any]] = []

    def start(self) -> None:
        if not self._destroys:
            self._destroys = [self._pool.submit(self._deployment.destroy, root) for root in SERVICE_ROOTS]

    def wait(self) -> None:
        """Start it if no one has, and wait for every root's destroy (a failure is raised here)."""
        self.start()
        try:
            for destroy in self._destroys:
                destroy.result()
        finally:
            self._pool.shutdown()
