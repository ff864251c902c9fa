"""A throwaway stack for a benchmark or load run: DynamoDB Local in memory, services under gunicorn,
and for the bench the three-app peer (`bench.peer`) beside them."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.peer import PEER_APPS, PEER_TABLE_PREFIX, peer_apps
from devstack import (
    SERVICES,
    DevKeys,
    DynamoDBLocal,
    ServiceProcess,
    StackEnvironment,
    ensure_dev_keys,
    ensure_jar,
    free_port,
    mint_service_token,
    repo_root,
    shop_tables,
)
from dynamo_common import DynamoSettings, create_tables, make_client


def peer_process(app: str) -> str:
    """The name a peer app's process goes by in `BenchStack.pids` (and its log's)."""
    return f"peer-{app}"


PEER_PROCESSES = frozenset(peer_process(app) for app in PEER_APPS)


@dataclass
class BenchStack:
    settings: DynamoSettings
    client: Any
    environment: StackEnvironment
    urls: dict[str, str]
    keys: DevKeys
    log_dir: Path
    # Process-group leaders of the servers, by name ("dynamodb" for DynamoDB Local, "peer-cart"
    # for the peer's cart app), for CPU.
    pids: dict[str, int]
    # The peer apps' base URLs by app name ("products", "cart", "orders"); empty without the peer.
    peer_urls: dict[str, str]

    @property
    def service_logs(self) -> list[Path]:
        return [self.log_dir / f"{name}.log" for name in self.urls if (self.log_dir / f"{name}.log").exists()]

    def peer_environment(self) -> dict[str, str]:
        """What the peer apps run with: the services' environment, on the same tables."""
        return {**self.environment.variables(), PEER_TABLE_PREFIX: self.settings.table_prefix}


@contextmanager
def bench_stack(services: tuple[str, ...], log_dir: Path, with_peer: bool = False) -> Iterator[BenchStack]:
    """DynamoDB Local, fresh tables, the named services and (`with_peer`) the three peer apps
    under the same gunicorn settings on the same tables, all stopped on exit."""
    root = repo_root()
    log_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        engine = DynamoDBLocal(log_path=log_dir / "dynamodb.log", jar=ensure_jar(root))
        engine.start()
        stack.callback(engine.stop)
        settings = DynamoSettings(endpoint_url=engine.endpoint_url, table_prefix="bench-")
        client = make_client(settings)
        create_tables(client, settings.table_prefix, shop_tables())
        keys = ensure_dev_keys(log_dir / "keys")
        urls = {spec.name: f"http://127.0.0.1:{free_port()}" for spec in SERVICES}
        environment = StackEnvironment(
            endpoint_url=engine.endpoint_url,
            table_prefix=settings.table_prefix,
            jwks_url=keys.jwks_url,
            cursor_secret=secrets.token_urlsafe(32),
            service_token=mint_service_token(keys),
            service_urls=urls,
            dev_signing_key_dir=keys.directory,
        )
        variables = environment.variables()
        pids = {"dynamodb": engine.pid}
        modules = {spec.name: spec.module for spec in SERVICES if spec.name in services}
        for name, module in modules.items():
            process = ServiceProcess(
                name,
                module,
                env=variables,
                log_path=log_dir / f"{name}.log",
                port=int(urls[name].rsplit(":", 1)[1]),
                cwd=root,
            )
            process.start()
            stack.callback(process.stop)
            pids[name] = process.pid
        bench = BenchStack(settings, client, environment, urls, keys, log_dir, pids, {})
        if with_peer:

            def started(app: str, pid: int) -> None:
                pids[peer_process(app)] = pid

            bench.peer_urls.update(stack.enter_context(peer_apps(bench.peer_environment(), log_dir, started)))
        yield bench
