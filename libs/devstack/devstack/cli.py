"""`python -m devstack run|token|seed`: the local stack behind `make run`, `make token`, `make seed`."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

from devstack.dynamodb_local import (
    ENGINES,
    DynamoDBLocal,
    DynamoEngine,
    MotoServer,
    ensure_jar,
    ensure_java,
)
from devstack.environment import StackEnvironment, configured_region, configured_table_prefix
from devstack.errors import DevstackError
from devstack.keys import (
    LOCAL_ISSUER,
    ensure_cursor_secret,
    ensure_dev_keys,
    ensure_guest_token_secret,
    mint_token,
)
from devstack.local_cognito import LocalCognito
from devstack.paths import LocalState, local_state, repo_root
from devstack.ports import LOCALHOST, ensure_port_free
from devstack.process import BackgroundServer
from devstack.services import (
    GATEWAY,
    GATEWAY_PORT,
    SERVICES,
    SERVICES_BY_NAME,
    ServiceProcess,
    ServiceSpec,
    is_importable,
    run_seed,
    shop_tables,
)
from dynamo_common import create_tables

logger = logging.getLogger("devstack")

DYNAMODB_PORT = 8000
# Orders resolves interrupted checkouts by itself every so often, as a scheduled task does in AWS.
RECOVERY_INTERVAL_VARIABLE = "SHOPSMART_RECOVERY_INTERVAL_SECONDS"
LOCAL_RECOVERY_INTERVAL_SECONDS = 15
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_WATCH_INTERVAL_SECONDS = 1.0


class StopRequested(Exception):
    """Ctrl-C or SIGTERM asked the stack to stop."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; errors the user can fix are one line on stderr, not a traceback."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    try:
        return args.command(args)
    except DevstackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def run(args: argparse.Namespace) -> int:
    """Start DynamoDB, the tables, the catalogue and the services; stop them all on Ctrl-C."""
    root = repo_root()
    state = _state(args)
    services = _runnable(args.services)
    engine = _engine(args.engine, state, root)
    for port, owner in [(engine.port, engine.name), *((s.port, s.name) for s in services)]:
        ensure_port_free(port, owner)
    keys = ensure_dev_keys(state.dev_keys)
    shop_url = f"http://{LOCALHOST}:{GATEWAY_PORT}"
    sign_in = LocalCognito(
        keys=keys,
        shop_urls=[shop_url],
        log_path=state.log_path(LocalCognito.name),
        settings_path=state.sign_in_settings,
        cwd=root,
    )
    environment = StackEnvironment(
        endpoint_url=engine.endpoint_url,
        table_prefix=configured_table_prefix(),
        jwks_url=sign_in.jwks_url,
        cursor_secret=ensure_cursor_secret(state.cursor_secret),
        issuer=sign_in.issuer,
        service_token_url=sign_in.token_url,
        service_client_secret=sign_in.service_client_secret,
        web_config=sign_in.web_config(shop_url),
        region=configured_region(),
        service_urls={spec.name: f"http://{LOCALHOST}:{spec.port}" for spec in SERVICES},
        dev_signing_key_dir=keys.directory,
        guest_token_secret=ensure_guest_token_secret(state.guest_token_secret),
    )
    variables = environment.variables()
    variables[RECOVERY_INTERVAL_VARIABLE] = str(LOCAL_RECOVERY_INTERVAL_SECONDS)
    try:
        with _stop_on_signals(), contextlib.ExitStack() as stack:
            _launch(stack, engine, f"starting {engine.name} on {engine.address} ({engine.storage})")
            _launch(stack, sign_in, f"starting the sign-in provider on {sign_in.address}")
            # `make token` signs for this issuer while the stack runs.
            state.issuer_file.write_text(sign_in.issuer)
            stack.callback(state.issuer_file.unlink, missing_ok=True)
            client = engine.client(environment.region)
            with _progress(f"creating tables (prefix {environment.table_prefix!r})"):
                create_tables(client, environment.table_prefix, shop_tables())
            if is_importable("products_service"):
                _seed_if_empty(variables)
            servers: list[BackgroundServer] = [engine, sign_in]
            for spec in services:
                service = ServiceProcess(
                    spec.name,
                    spec.module,
                    env=variables,
                    log_path=state.log_path(spec.name),
                    port=spec.port,
                    cwd=root,
                )
                _launch(stack, service, f"starting {spec.name} on {service.address}")
                servers.append(service)
            _print_addresses(engine, sign_in, services, state)
            return _watch(servers)
    except StopRequested:
        print("everything stopped", flush=True)
        return 0


def token(args: argparse.Namespace) -> int:
    """Print a development access token for a user."""
    state = _state(args)
    keys = ensure_dev_keys(state.dev_keys)
    issuer = state.issuer_file.read_text().strip() if state.issuer_file.exists() else LOCAL_ISSUER
    print(mint_token(args.user, args.groups, ttl=args.ttl, scopes=args.scopes, keys=keys, issuer=issuer))
    return 0


def seed(args: argparse.Namespace) -> int:
    """Add the shipped (or a synthetic) catalogue to the running local stack's products table."""
    state = _state(args)
    environment = StackEnvironment(
        endpoint_url=f"http://{LOCALHOST}:{DYNAMODB_PORT}",
        table_prefix=configured_table_prefix(),
        jwks_url=ensure_dev_keys(state.dev_keys).jwks_url,
        cursor_secret=ensure_cursor_secret(state.cursor_secret),
        region=configured_region(),
    )
    options = ["--synthetic", str(args.synthetic)] if args.synthetic else []
    return run_seed(environment.variables(), options)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument(
        "--state-dir",
        type=Path,
        help="where keys, DynamoDB data and logs live (default: <repo>/.local)",
    )
    commands = parser.add_subparsers(required=True, metavar="{run,token,seed}")

    run_parser = commands.add_parser("run", help="run the whole stack until Ctrl-C")
    run_parser.add_argument("--engine", choices=ENGINES, default=ENGINES[0])
    run_parser.add_argument(
        "--services",
        type=_names,
        default=[spec.name for spec in SERVICES],
        help="comma-separated (default: every installed one)",
    )
    run_parser.set_defaults(command=run)

    token_parser = commands.add_parser("token", help="print a development access token")
    token_parser.add_argument("--user", required=True, help="the token's subject (UserID)")
    token_parser.add_argument("--groups", type=_names, default=[], help="comma-separated")
    token_parser.add_argument("--scopes", type=_names, default=[], help="comma-separated")
    token_parser.add_argument("--ttl", type=int, default=3600, help="seconds (default 3600)")
    token_parser.set_defaults(command=token)

    seed_parser = commands.add_parser("seed", help="seed the running stack's catalogue")
    seed_parser.add_argument("--synthetic", type=int, help="generate this many products instead")
    seed_parser.set_defaults(command=seed)
    return parser


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def _state(args: argparse.Namespace) -> LocalState:
    return LocalState(args.state_dir) if args.state_dir else local_state()


def _runnable(names: list[str]) -> list[ServiceSpec]:
    unknown = sorted(set(names) - SERVICES_BY_NAME.keys())
    if unknown:
        raise DevstackError(
            f"unknown service(s) {', '.join(unknown)}; choose from {', '.join(SERVICES_BY_NAME)}"
        )
    runnable = []
    for name in names:
        spec = SERVICES_BY_NAME[name]
        if is_importable(spec.module):
            runnable.append(spec)
        else:
            logger.warning("skipping %s: its package %s is not installed", name, spec.module)
    return runnable


def _engine(name: str, state: LocalState, root: Path) -> DynamoEngine:
    log_path = state.log_path("dynamodb")
    if name == "moto":
        return MotoServer(log_path=log_path, port=DYNAMODB_PORT)
    # Found (or installed) before any progress line, so their own messages are not interleaved.
    ensure_java()
    return DynamoDBLocal(
        log_path=log_path, port=DYNAMODB_PORT, data_dir=state.dynamodb_data, jar=ensure_jar(root)
    )


def _launch(stack: contextlib.ExitStack, server: BackgroundServer, message: str) -> None:
    with _progress(message):
        server.start()
    stack.callback(_stop, server)


def _stop(server: BackgroundServer) -> None:
    with _progress(f"stopping {server.name}", done="stopped"):
        server.stop()


def _seed_if_empty(variables: dict[str, str]) -> None:
    with _progress("seeding the catalogue if it is empty", done="done"):
        if run_seed(variables, ["--if-empty"]) != 0:
            raise DevstackError("seeding the catalogue failed; see the lines above")


def _print_addresses(
    engine: DynamoEngine, sign_in: LocalCognito, services: list[ServiceSpec], state: LocalState
) -> None:
    shop = next((spec for spec in services if spec.name == GATEWAY), None)
    headline = "ShopSmart is running:"
    if shop is not None:
        headline = f"ShopSmart is running at http://{LOCALHOST}:{shop.port}/ (open it in a browser):"
    lines = ["", headline]
    lines += [f"  {spec.name:<9} http://{LOCALHOST}:{spec.port}" for spec in services]
    lines += [
        f"  {'dynamodb':<9} {engine.endpoint_url}",
        f"  {'sign-in':<9} {sign_in.issuer} (demo shopper and demo admin one click away)",
        f"  {'logs':<9} {state.logs}/",
        "",
        "A token to call them with:  make token USER=alice GROUPS=admin",
        "Ctrl-C stops everything.",
    ]
    if not services:
        lines.insert(2, "  (no service package is installed; pip install -e services/<name>)")
    print("\n".join(lines), flush=True)


def _watch(servers: list[BackgroundServer]) -> int:
    """Wait for Ctrl-C; if a server dies meanwhile, show why and stop the rest."""
    while True:
        for server in servers:
            if not server.running:
                print(
                    f"{server.name} stopped unexpectedly; last lines of {server.log_path}:\n"
                    f"{server.log_tail()}",
                    file=sys.stderr,
                )
                return 1
        time.sleep(_WATCH_INTERVAL_SECONDS)


@contextlib.contextmanager
def _progress(message: str, done: str = "ready") -> Iterator[None]:
    print(f"{message}…", end=" ", flush=True)
    started = time.monotonic()
    try:
        yield
    except BaseException:
        print("failed", flush=True)
        raise
    print(f"{done} in {time.monotonic() - started:.1f}s", flush=True)


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Turn the first SIGINT/SIGTERM into StopRequested; later ones must not cut a shutdown short."""

    def request_stop(signum: int, frame: FrameType | None) -> None:
        for stop_signal in STOP_SIGNALS:
            signal.signal(stop_signal, still_stopping)
        print(flush=True)
        raise StopRequested(signal.Signals(signum).name)

    def still_stopping(signum: int, frame: FrameType | None) -> None:
        print("\nstill stopping; every server gets a few seconds before it is killed", flush=True)

    previous = {stop_signal: signal.signal(stop_signal, request_stop) for stop_signal in STOP_SIGNALS}
    try:
        yield
    finally:
        for stop_signal, handler in previous.items():
            signal.signal(stop_signal, handler)
