"""Fixtures for cross-service tests: DynamoDB Local, development keys and services under gunicorn.

One DynamoDB Local (in memory) serves the whole session, under a table prefix of its own; services
start on first use and run until the session ends. A test using any of these fixtures is marked
`integration`, and when it fails its report ends with the last lines of each running service's log.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from devstack import (
    SERVICES,
    BackgroundServer,
    DevKeys,
    DevstackError,
    DynamoDBLocal,
    ServiceProcess,
    ServiceSpec,
    StackEnvironment,
    ensure_jar,
    free_port,
    is_importable,
    mint_service_token,
    shop_tables,
)
from devstack.local_cognito import LocalCognito
from devstack.services import GATEWAY
from dynamo_common import DynamoSettings, create_tables, make_client

REPO_ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")
INTEGRATION_FIXTURES = frozenset(
    {
        "dynamodb_local",
        "dynamo_settings",
        "dynamo_client",
        "start_service",
        "stack_variables",
        "start_extra_service",
    }
)


class ServiceStack:
    """The services this session started, on ports chosen up front so each knows its peers' URLs."""

    def __init__(self, environment: StackEnvironment, log_dir: Path):
        self._environment = environment
        self._log_dir = log_dir
        self.running: dict[str, ServiceProcess] = {}
        self.extras: list[BackgroundServer] = []

    @classmethod
    def on_free_ports(
        cls,
        settings: DynamoSettings,
        keys: DevKeys,
        log_dir: Path,
        sign_in: Callable[[str], LocalCognito] | None = None,
    ) -> ServiceStack:
        """The stack's environment; with `sign_in` (shop URL → a started provider), the services
        verify the provider's tokens and get their own from it, and the gateway serves its settings."""
        service_urls = {spec.name: f"http://127.0.0.1:{free_port()}" for spec in SERVICES}
        identity: dict[str, Any] = {"jwks_url": keys.jwks_url, "service_token": mint_service_token(keys)}
        provider = None
        if sign_in is not None:
            provider = sign_in(service_urls[GATEWAY])
            identity = {
                "jwks_url": provider.jwks_url,
                "issuer": provider.issuer,
                "service_token_url": provider.token_url,
                "service_client_secret": provider.service_client_secret,
                "web_config": provider.web_config(service_urls[GATEWAY]),
            }
        environment = StackEnvironment(
            endpoint_url=settings.endpoint_url or "",
            table_prefix=settings.table_prefix,
            cursor_secret=secrets.token_urlsafe(32),
            dev_signing_key_dir=keys.directory,
            region=settings.region,
            service_urls=service_urls,
            **identity,
        )
        stack = cls(environment, log_dir)
        if provider is not None:
            stack.extras.append(provider)
        return stack

    @property
    def variables(self) -> dict[str, str]:
        """The environment the services run with, e.g. to run a service's CLI against them."""
        return self._environment.variables()

    def start(self, name: str) -> str:
        """The base URL of service `name`, started now unless it already runs."""
        if name not in self.running:
            self.running[name] = self._started(name)
        return self.running[name].base_url

    def stop_all(self) -> None:
        for name in reversed(list(self.running)):
            self.running.pop(name).stop()
        for extra in reversed(self.extras):
            extra.stop()

    def start_extra(self, name: str, overrides: dict[str, str]) -> ServiceProcess:
        """Another instance of service `name` on a free port, with some variables overridden
        (e.g. a peer's URL pointing at a fault-injecting proxy); the caller may kill it."""
        service = ServiceProcess(
            name,
            _spec(name).module,
            env={**self._environment.variables(), **overrides},
            log_path=self._log_dir / f"{name}-{len(self.extras)}.log",
            cwd=REPO_ROOT,
        )
        self.extras.append(service)
        _or_fail(service.start)
        return service

    def _started(self, name: str) -> ServiceProcess:
        service = ServiceProcess(
            name,
            _spec(name).module,
            env=self._environment.variables(),
            log_path=self._log_dir / f"{name}.log",
            port=int(self._environment.service_urls[name].rsplit(":", 1)[1]),
            cwd=REPO_ROOT,
        )
        _or_fail(service.start)
        return service


def _spec(name: str) -> ServiceSpec:
    spec = next((spec for spec in SERVICES if spec.name == name), None)
    if spec is None:
        pytest.fail(f"no service named {name!r}; known: {', '.join(s.name for s in SERVICES)}")
    if not is_importable(spec.module):
        pytest.fail(f"{spec.module} is not installed; pip install -e services/{name}")
    return spec


_STACK = pytest.StashKey[ServiceStack]()


def _or_fail(action: Callable[[], T]) -> T:
    """The action's result; a DevstackError fails the test with its message alone, since the
    message already says what to do and a traceback would only bury it."""
    try:
        return action()
    except DevstackError as exc:
        message = str(exc)
    pytest.fail(message, pytrace=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    stack = item.config.stash.get(_STACK, None)
    if report.failed and stack is not None:
        for service in [*stack.running.values(), *stack.extras]:
            report.sections.append((f"{service.log_path.name} (last lines)", service.log_tail()))
    return report


@pytest.fixture(scope="session")
def dynamodb_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DynamoDBLocal]:
    """DynamoDB Local in memory on a free port; without Java 17+ every test using it fails, saying
    how to install it."""
    log_path = tmp_path_factory.mktemp("logs") / "dynamodb.log"
    engine = DynamoDBLocal(log_path=log_path, jar=_or_fail(functools.partial(ensure_jar, REPO_ROOT)))
    _or_fail(engine.start)
    yield engine
    engine.stop()


@pytest.fixture(scope="session")
def dynamo_settings(dynamodb_local: DynamoDBLocal) -> DynamoSettings:
    """Settings for this session's tables (a fresh prefix), which exist by the time a test runs."""
    settings = DynamoSettings(
        endpoint_url=dynamodb_local.endpoint_url, table_prefix=f"it{secrets.token_hex(4)}-"
    )
    create_tables(make_client(settings), settings.table_prefix, shop_tables())
    return settings


@pytest.fixture(scope="session")
def dynamo_client(dynamo_settings: DynamoSettings) -> Any:
    """A dynamo_common client for this session's tables, to arrange and inspect data directly."""
    return make_client(dynamo_settings)


@pytest.fixture(scope="session")
def sign_in_provider() -> Callable[[str], LocalCognito] | None:
    """None: the services verify tokens minted with the development key (`auth_headers`). A tier
    that signs in through a real OpenID provider (the browser tier) overrides this with a
    function starting one for the shop's URL."""
    return None


@pytest.fixture(scope="session")
def start_service(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    dynamo_settings: DynamoSettings,
    signing_keys: DevKeys,
    sign_in_provider: Callable[[str], LocalCognito] | None,
) -> Iterator[Callable[[str], str]]:
    """`start_service(name)` → the service's base URL; it runs under gunicorn until the session
    ends, and services are stopped in the reverse of the order they started."""
    stack = ServiceStack.on_free_ports(
        dynamo_settings, signing_keys, tmp_path_factory.mktemp("logs"), sign_in_provider
    )
    request.config.stash[_STACK] = stack
    yield stack.start
    stack.stop_all()
    del request.config.stash[_STACK]


@pytest.fixture(scope="session")
def stack_variables(start_service: Callable[[str], str], request: pytest.FixtureRequest) -> dict[str, str]:
    """The environment variables the running services were started with."""
    return request.config.stash[_STACK].variables


@pytest.fixture(scope="session")
def start_extra_service(
    start_service: Callable[[str], str], request: pytest.FixtureRequest
) -> Callable[..., ServiceProcess]:
    """`start_extra_service(name, {"SHOPSMART_…": value})` → a started ServiceProcess of its own,
    sharing the session's tables and keys; stopped at the end of the session."""
    return request.config.stash[_STACK].start_extra
