"""Runs ShopSmart on a laptop: DynamoDB Local or moto, development keys, services under gunicorn."""

from devstack.dynamodb_local import (
    DynamoDBLocal,
    DynamoEngine,
    MotoServer,
    ensure_jar,
    ensure_java,
    find_jar,
    find_java,
)
from devstack.environment import StackEnvironment
from devstack.errors import DevstackError, JavaMissing, PortInUse, ProcessExited, StartupTimeout
from devstack.keys import (
    DevKeys,
    ensure_cursor_secret,
    ensure_dev_keys,
    ensure_guest_token_secret,
    mint_service_token,
    mint_token,
)
from devstack.paths import LocalState, local_state, repo_root
from devstack.ports import ensure_port_free, free_port
from devstack.process import BackgroundServer
from devstack.services import SERVICES, ServiceProcess, ServiceSpec, is_importable, run_seed, shop_tables

__all__ = [
    "SERVICES",
    "BackgroundServer",
    "DevKeys",
    "DevstackError",
    "DynamoDBLocal",
    "DynamoEngine",
    "JavaMissing",
    "LocalState",
    "MotoServer",
    "PortInUse",
    "ProcessExited",
    "ServiceProcess",
    "ServiceSpec",
    "StackEnvironment",
    "StartupTimeout",
    "ensure_cursor_secret",
    "ensure_dev_keys",
    "ensure_guest_token_secret",
    "ensure_jar",
    "ensure_java",
    "ensure_port_free",
    "find_jar",
    "find_java",
    "free_port",
    "is_importable",
    "local_state",
    "mint_service_token",
    "mint_token",
    "repo_root",
    "run_seed",
    "shop_tables",
]
