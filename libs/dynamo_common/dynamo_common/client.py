"""The DynamoDB client factory and per-environment table naming."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from dynamo_common.capacity import install_capacity_hooks
from dynamo_common.tables import TableSpec

DEFAULT_REGION = "us-east-1"
DEFAULT_MAX_POOL_CONNECTIONS = 50
USER_AGENT = "shopsmart"


@dataclass(frozen=True)
class DynamoSettings:
    """Where the tables live: region, optional endpoint (DynamoDB Local) and table-name prefix."""

    region: str = DEFAULT_REGION
    endpoint_url: str | None = None
    table_prefix: str = ""
    max_pool_connections: int = DEFAULT_MAX_POOL_CONNECTIONS
    connect_timeout: float = 2.0
    read_timeout: float = 5.0
    # Every attempt, the first included: enough to ride out throttling, short enough that a
    # request never waits on a DynamoDB that is down for longer than its callers wait for it.
    max_attempts: int = 4

    @classmethod
    def from_environment(cls, table_prefix: str = "", **overrides: Any) -> DynamoSettings:
        """Settings from AWS's own variables, so one image runs locally and on AWS unchanged."""
        values: dict[str, Any] = {
            "region": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
            "endpoint_url": os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
            or os.environ.get("AWS_ENDPOINT_URL")
            or None,
            "table_prefix": table_prefix,
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)

    def table_name(self, spec: TableSpec) -> str:
        return spec.table_name(self.table_prefix)


def make_client(settings: DynamoSettings) -> Any:
    """A low-level DynamoDB client with pooled connections, timeouts and adaptive retries.

    It reports consumed capacity to the active meter (see `capacity`). Thread-safe: build one per
    process and share it between request threads.
    """
    config = Config(
        region_name=settings.region,
        max_pool_connections=settings.max_pool_connections,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        retries={"mode": "adaptive", "total_max_attempts": settings.max_attempts},
        tcp_keepalive=True,
        # DynamoDB validates every request itself; checking it here too costs CPU on every call.
        parameter_validation=False,
        # A fixed User-Agent: botocore otherwise rebuilds its full one (OS, Python, config and
        # feature metadata) twice per call, 8-11 % of a service's samples in the flame graphs.
        user_agent=USER_AGENT,
    )
    session = boto3.session.Session()
    extra: dict[str, Any] = {}
    if settings.endpoint_url:
        extra["endpoint_url"] = settings.endpoint_url
        if session.get_credentials() is None:
            # DynamoDB Local accepts any alphanumeric credentials; AWS never reaches this branch.
            extra.update(aws_access_key_id="local", aws_secret_access_key="local")  # noqa: S106
    return install_capacity_hooks(session.client("dynamodb", config=config, **extra))
