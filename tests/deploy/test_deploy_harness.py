"""The tier's own parts: the emulator's tagging fix, where providers come from, a missing binary."""

from __future__ import annotations

import subprocess
from pathlib import Path

import boto3
import pytest
from deploy_harness import (
    BOTO_CREDENTIALS,
    OVERRIDE_FILE,
    REGION,
    TERRAFORM_DIR,
    Emulator,
    find_terraform,
    override_text,
    plugin_arguments,
    terraform_environment,
)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory):
    with Emulator(log_path=tmp_path_factory.mktemp("emulator") / "emulator.log") as server:
        yield server


def test_the_emulator_keeps_and_answers_a_scalable_targets_tags(emulator: Emulator) -> None:
    options = {"endpoint_url": emulator.endpoint_url, "region_name": REGION, **BOTO_CREDENTIALS}
    boto3.client("dynamodb", **options).create_table(
        TableName="scaled",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    )
    scaling = boto3.client("application-autoscaling", **options)
    arn = scaling.register_scalable_target(
        ServiceNamespace="dynamodb",
        ResourceId="table/scaled",
        ScalableDimension="dynamodb:table:ReadCapacityUnits",
        MinCapacity=1,
        MaxCapacity=5,
        Tags={"Service": "cart", "Team": "cart"},
    )["ScalableTargetARN"]
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Service": "cart", "Team": "cart"}
    scaling.tag_resource(ResourceARN=arn, Tags={"Team": "checkout"})
    scaling.untag_resource(ResourceARN=arn, TagKeys=["Service"])
    assert scaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Team": "checkout"}


def test_the_emulator_deletes_a_cognito_resource_server(emulator: Emulator) -> None:
    cognito = boto3.client(
        "cognito-idp", endpoint_url=emulator.endpoint_url, region_name=REGION, **BOTO_CREDENTIALS
    )
    pool = cognito.create_user_pool(PoolName="shop")["UserPool"]["Id"]
    cognito.create_resource_server(UserPoolId=pool, Identifier="shopsmart", Name="ShopSmart API")
    cognito.delete_resource_server(UserPoolId=pool, Identifier="shopsmart")
    assert cognito.list_resource_servers(UserPoolId=pool, MaxResults=10)["ResourceServers"] == []
    with pytest.raises(cognito.exceptions.ResourceNotFoundException):
        cognito.delete_resource_server(UserPoolId=pool, Identifier="shopsmart")


def test_the_emulator_creates_a_target_group_idempotently_as_aws_does(emulator: Emulator) -> None:
    options = {"endpoint_url": emulator.endpoint_url, "region_name": REGION, **BOTO_CREDENTIALS}
    vpc = boto3.client("ec2", **options).create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    elb = boto3.client("elbv2", **options)
    settings = {"Name": "produc-retried", "Protocol": "HTTP", "Port": 8000, "VpcId": vpc, "TargetType": "ip"}
    first = elb.create_target_group(**settings)["TargetGroups"][0]["TargetGroupArn"]
    again = elb.create_target_group(**settings)["TargetGroups"][0]["TargetGroupArn"]
    assert again == first
    assert len(elb.describe_target_groups(Names=["produc-retried"])["TargetGroups"]) == 1
    with pytest.raises(elb.exceptions.DuplicateTargetGroupNameException):
        elb.create_target_group(**{**settings, "Port": 9000})


def test_a_missing_terraform_fails_the_tier_with_what_to_do(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="terraform is not on PATH"):
        find_terraform()


def test_providers_come_from_tf_plugin_dir_when_given(tmp_path: Path) -> None:
    assert plugin_arguments({"TF_PLUGIN_DIR": str(tmp_path)}) == [f"-plugin-dir={tmp_path}"]
    assert plugin_arguments({}) == []
    with pytest.raises(pytest.fail.Exception, match="is not a directory"):
        plugin_arguments({"TF_PLUGIN_DIR": str(tmp_path / "missing")})
    # Without a mirror, the registry's downloads are cached for the next run; a CLI config is kept.
    cache = tmp_path / "cache"
    environment = terraform_environment({"TF_CLI_CONFIG_FILE": "/etc/terraformrc", "AWS_PROFILE": "x"}, cache)
    assert (
        environment["TF_PLUGIN_CACHE_DIR"] == str(cache)
        and environment["TF_CLI_CONFIG_FILE"] == "/etc/terraformrc"
    )
    assert "AWS_PROFILE" not in environment
    assert "TF_PLUGIN_CACHE_DIR" not in terraform_environment({"TF_PLUGIN_DIR": str(tmp_path)}, cache)


def test_the_override_points_every_endpoint_at_the_emulator_and_is_never_committed(tmp_path: Path) -> None:
    text = override_text("http://127.0.0.1:9", tmp_path / "state.tfstate")
    assert 'backend "local"' in text and "http://127.0.0.1:9" in text
    assert list(TERRAFORM_DIR.rglob("*_override.tf")) == []
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(TERRAFORM_DIR / "platform" / OVERRIDE_FILE)], check=False
    )
    assert ignored.returncode == 0
