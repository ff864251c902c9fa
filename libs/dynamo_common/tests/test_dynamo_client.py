"""Settings from AWS's own variables, and the client's connection and retry configuration."""

from __future__ import annotations

import pytest

from dynamo_common import DynamoSettings, KeySchema, TableSpec, make_client
from dynamo_common.client import DEFAULT_MAX_POOL_CONNECTIONS, DEFAULT_REGION, USER_AGENT

ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL")
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ENDPOINT_VARIABLES + REGION_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_without_any_variable(clean_environment):
    settings = DynamoSettings.from_environment()
    assert settings.region == DEFAULT_REGION
    assert settings.endpoint_url is None
    assert settings.table_prefix == ""


def test_region_and_dynamodb_endpoint_come_from_aws_variables(clean_environment):
    clean_environment.setenv("AWS_REGION", "eu-west-1")
    clean_environment.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    clean_environment.setenv("AWS_ENDPOINT_URL", "http://generic:1")
    clean_environment.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000")
    settings = DynamoSettings.from_environment(table_prefix="dev-")
    assert settings.region == "eu-west-1"
    assert settings.endpoint_url == "http://localhost:8000"
    carts = TableSpec(logical_name="carts", key=KeySchema(partition=("UserID", "S")))
    assert settings.table_name(carts) == "dev-carts"


def test_fallback_variables_are_used_when_the_specific_ones_are_absent(clean_environment):
    clean_environment.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    clean_environment.setenv("AWS_ENDPOINT_URL", "http://generic:1")
    settings = DynamoSettings.from_environment()
    assert (settings.region, settings.endpoint_url) == ("ap-south-1", "http://generic:1")


def test_empty_endpoint_variable_means_no_endpoint(clean_environment):
    clean_environment.setenv("AWS_ENDPOINT_URL_DYNAMODB", "")
    assert DynamoSettings.from_environment().endpoint_url is None


def test_overrides_win_but_none_does_not_erase(clean_environment):
    clean_environment.setenv("AWS_REGION", "eu-west-1")
    settings = DynamoSettings.from_environment(region="us-west-2", endpoint_url=None, max_pool_connections=7)
    assert settings.region == "us-west-2"
    assert settings.max_pool_connections == 7
    assert settings.endpoint_url is None


def test_client_has_adaptive_retries_pool_timeouts_and_region(aws_test_environment):
    settings = DynamoSettings(region="eu-central-1", max_attempts=3, connect_timeout=1.5, read_timeout=3.0)
    config = make_client(settings).meta.config
    assert config.retries["mode"] == "adaptive"
    assert config.retries["total_max_attempts"] == 3
    assert config.max_pool_connections == DEFAULT_MAX_POOL_CONNECTIONS
    assert (config.connect_timeout, config.read_timeout) == (1.5, 3.0)
    assert config.region_name == "eu-central-1"
    assert config.tcp_keepalive is True


def test_client_uses_the_endpoint_and_pool_size_of_the_settings(aws_test_environment):
    client = make_client(DynamoSettings(endpoint_url="http://localhost:8000", max_pool_connections=3))
    assert client.meta.endpoint_url == "http://localhost:8000"
    assert client.meta.config.max_pool_connections == 3


def test_local_endpoint_without_credentials_gets_placeholder_ones(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)
    client = make_client(DynamoSettings(endpoint_url="http://localhost:8000"))
    credentials = client._request_signer._credentials
    assert (credentials.access_key, credentials.secret_key) == ("local", "local")


def test_client_reports_capacity_on_every_call(aws_test_environment):
    client = make_client(DynamoSettings())
    params: dict = {}
    client.meta.events.emit("provide-client-params.dynamodb.Query", params=params, model=None)
    assert params == {"ReturnConsumedCapacity": "TOTAL"}


def test_requests_carry_a_fixed_user_agent_not_one_rebuilt_per_call(aws_test_environment):
    client = make_client(DynamoSettings(endpoint_url="http://localhost:9"))
    sent: list[str] = []

    def refuse(request, **_: object) -> None:
        sent.append(request.headers["User-Agent"].decode())
        raise ConnectionAbortedError("not sent in this test")

    client.meta.events.register_first("before-send.dynamodb", refuse)
    with pytest.raises(ConnectionAbortedError):
        client.describe_table(TableName="anything")
    assert sent[0].split()[0] == USER_AGENT
    assert "os/" not in sent[0]
