from __future__ import annotations

import socket
from pathlib import Path

import pytest

from devstack import dynamodb_local
from devstack.dynamodb_local import DynamoDBLocal, MotoServer, ensure_jar, parse_java_version
from devstack.errors import JavaMissing, PortInUse
from devstack.ports import LOCALHOST, ensure_port_free
from devstack.services import shop_tables
from dynamo_common import create_tables


@pytest.fixture(scope="module")
def jar(repo_dir: Path) -> Path:
    return ensure_jar(repo_dir)


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_292"', 8),
        ("bash: java: command not found", None),
    ],
)
def test_java_version_is_read_from_java_dash_version(output: str, major: int | None) -> None:
    assert parse_java_version(output) == major


def test_without_java_and_without_root_the_error_says_what_to_do(
    tmp_path: Path, jar: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dynamodb_local, "find_java", lambda: None)
    monkeypatch.setattr(dynamodb_local.os, "geteuid", lambda: 1000)
    engine = DynamoDBLocal(log_path=tmp_path / "dynamodb.log", jar=jar)

    with pytest.raises(JavaMissing, match=r"(?s)Java 17 or newer.*make run ENGINE=moto"):
        engine.start()
    assert not engine.running


def test_dynamodb_local_starts_on_a_free_port_answers_and_stops(tmp_path: Path, jar: Path) -> None:
    engine = DynamoDBLocal(log_path=tmp_path / "dynamodb.log", jar=jar)

    with engine:
        assert engine.running
        client = engine.client()
        create_tables(client, "unit-", shop_tables())
        assert "unit-products" in client.list_tables()["TableNames"]

    assert not engine.running
    ensure_port_free(engine.port, "the next run")


def test_dynamodb_local_keeps_its_data_on_disk_across_restarts(tmp_path: Path, jar: Path) -> None:
    data_dir = tmp_path / "data"
    with DynamoDBLocal(log_path=tmp_path / "first.log", data_dir=data_dir, jar=jar) as engine:
        create_tables(engine.client(), "kept-", shop_tables())

    with DynamoDBLocal(log_path=tmp_path / "second.log", data_dir=data_dir, jar=jar) as engine:
        assert "kept-orders" in engine.client().list_tables()["TableNames"]


def test_a_taken_port_is_a_clear_error_naming_it(tmp_path: Path, jar: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind((LOCALHOST, 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        engine = DynamoDBLocal(log_path=tmp_path / "dynamodb.log", port=port, jar=jar)

        with pytest.raises(PortInUse, match=rf"port {port} \(wanted by DynamoDB Local\)"):
            engine.start()

    assert not engine.running
    assert not engine.log_path.exists()


def test_moto_server_has_the_same_interface(tmp_path: Path) -> None:
    with MotoServer(log_path=tmp_path / "moto.log") as engine:
        create_tables(engine.client(), "moto-", shop_tables())
        assert "moto-carts" in engine.client().list_tables()["TableNames"]

    assert not engine.running
