"""A throwaway stack for a benchmark or load run: DynamoDB Local in memory, services under gunicorn."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.peer import PEER_URL_VARIABLE
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

PEER = "peer"


@dataclass
class BenchStack:
    settings: DynamoSettings
    client: Any
    environment: StackEnvironment
    urls: dict[str, str]
    keys: DevKeys
    log_dir: Path
    # Process-group leaders of the servers, by name ("dynamodb" for DynamoDB Local), for CPU.
    pids: dict[str, int]
    peer_url: str

    @property
    def service_logs(self) -> list[Path]:
        return [
            self.log_dir / f"{name}.log"
            for name in self.urls
            if name != PEER and (self.log_dir / f"{name}.log").exists()
        ]


@contextmanager
def bench_stack(services: tuple[str, ...], log_dir: Path) -> Iterator[BenchStack]:
    """DynamoDB Local, fresh tables, the named services and the minimal peer app (`bench.peer`)
    under the same gunicorn settings, all stopped on exit."""
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
        peer_url = f"http://127.0.0.1:{free_port()}"
        variables = {**environment.variables(), PEER_URL_VARIABLE: peer_url}
        pids = {"dynamodb": engine.pid}
        modules = {spec.name: spec.module for spec in SERVICES if spec.name in services}
        for name, module in [*modules.items(), (PEER, "bench.peer")]:
            url = peer_url if name == PEER else urls[name]
            process = ServiceProcess(
                name,
                module,
                env=variables,
                log_path=log_dir / f"{name}.log",
                port=int(url.rsplit(":", 1)[1]),
                cwd=root,
            )
            process.start()
            stack.callback(process.stop)
            pids[name] = process.pid
        yield BenchStack(settings, client, environment, urls, keys, log_dir, pids, peer_url)
