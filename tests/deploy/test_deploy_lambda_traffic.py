"""Lambda mode's releases: CodeDeploy shifts `live`, and rolls it back on the service's alarms.

On the applied Lambda shop (`lambda_shop`), each service has a CodeDeploy application whose
deployment group watches the service's rollback alarms (the ones service_monitoring made) and rolls
back on an alarm or a failure. A release of cart (a new `image_tag`) publishes a version and leaves
`live` where it was: the root's `lambda_release` output says a shift is pending and carries the
AppSpec, which the test hands CodeDeploy exactly as .github/workflows/reusable-deploy.yml does. The
emulator (emulator.py, `teach_codedeploy`) ends a Lambda deployment at once, as CodeDeploy does:
stopped while an alarm fires, the alias moved otherwise.

What it changes on the Lambda shop: cart runs the release (1.0.1) at the end; then the service
roots' destroy starts in the background (test_deploy_teardown_lambda.py waits for it and checks
that it removed the CodeDeploy applications too).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from deploy_harness import SERVICE_ROOTS, Deployment, changed_addresses, emulator_drift_removed
from deployed_functions import ServiceRootsDestroy, retag_function_image

RELEASE = "1.0.1"
CANARY = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
ROLLBACK_KINDS = ("5xx-rate", "function-errors", "p99-latency")


@pytest.fixture(scope="module", autouse=True)
def service_roots_destroyed_afterwards(lambda_service_roots_destroy: ServiceRootsDestroy) -> Iterator[None]:
    """After the release tests no test reads what the Lambda service roots made: their destroy
    starts in the background, beside the ECS tests."""
    yield
    lambda_service_roots_destroy.start()


def start_release(shop: Deployment, release: dict) -> dict:
    """What the pipeline's "Shift Lambda traffic" step does with a root's `lambda_release` output:
    one deployment of its AppSpec, then the deployment as CodeDeploy reports it."""
    codedeploy = shop.client("codedeploy")
    deployment_id = codedeploy.create_deployment(
        applicationName=release["application"],
        deploymentGroupName=release["deployment_group"],
        revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": release["appspec"]}},
        description="ShopSmart release",
    )["deploymentId"]
    return codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]


def live_version(shop: Deployment, function_name: str) -> str:
    return shop.client("lambda").get_alias(FunctionName=function_name, Name="live")["FunctionVersion"]


def traffic_changes(shop: Deployment, root: str) -> dict[str, list[str]]:
    """What a plan of the release would change in the alias and its CodeDeploy wiring. (moto reads a
    function back without some of its settings, so the function itself shows as changed; that is
    the emulator's, and Lambda mode's apply test owns it.)"""
    _, plan = shop.plan(root, image_tag=RELEASE)
    return {
        address: actions
        for address, actions in changed_addresses(emulator_drift_removed(plan)).items()
        if address.endswith(
            ("aws_lambda_alias.live", "aws_codedeploy_app.this", "aws_codedeploy_deployment_group.live")
        )
    }


def test_each_services_deployment_group_rolls_back_on_its_own_alarms(lambda_shop: Deployment) -> None:
    codedeploy = lambda_shop.client("codedeploy")
    cloudwatch = lambda_shop.client("cloudwatch")
    for root in SERVICE_ROOTS:
        outputs = lambda_shop.outputs(root)
        release = outputs["lambda_release"]
        assert release["pending"] is False, root
        group = codedeploy.get_deployment_group(
            applicationName=release["application"], deploymentGroupName=release["deployment_group"]
        )["deploymentGroupInfo"]
        assert group["computePlatform"] == "Lambda"
        assert group["deploymentConfigName"] == CANARY
        assert group["deploymentStyle"] == {
            "deploymentType": "BLUE_GREEN",
            "deploymentOption": "WITH_TRAFFIC_CONTROL",
        }
        rollback = group["autoRollbackConfiguration"]
        assert rollback["enabled"] and set(rollback["events"]) == {
            "DEPLOYMENT_FAILURE",
            "DEPLOYMENT_STOP_ON_ALARM",
        }
        watched = {alarm["name"] for alarm in group["alarmConfiguration"]["alarms"]}
        assert group["alarmConfiguration"]["enabled"] is True
        assert watched == {outputs["alarm_names"][kind] for kind in ROLLBACK_KINDS}, root
        existing = {
            alarm["AlarmName"]
            for alarm in cloudwatch.describe_alarms(AlarmNames=sorted(watched))["MetricAlarms"]
        }
        assert existing == watched, f"{root}'s deployment group watches alarms that do not exist"
        role = group["serviceRoleArn"].rsplit("/", 1)[1]
        trust = lambda_shop.client("iam").get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        assert "codedeploy.amazonaws.com" in str(trust)


def test_a_release_shifts_live_only_through_codedeploy_which_stops_on_an_alarm(
    lambda_shop: Deployment,
) -> None:
    root = "services/cart"
    before = lambda_shop.outputs(root)["lambda_release"]
    function_name = before["application"]
    served = live_version(lambda_shop, function_name)

    # The release's image is pushed first (here cart's build again, under the release's tag).
    serving = lambda_shop.client("lambda").get_function(FunctionName=function_name)["Code"]["ImageUri"]
    retag_function_image(lambda_shop, serving, f"{RELEASE}-lambda")
    lambda_shop.apply(root, image_tag=RELEASE)
    release = lambda_shop.outputs(root)["lambda_release"]
    assert release["pending"] is True
    assert live_version(lambda_shop, function_name) == served, "the apply moved `live` itself"
    assert not traffic_changes(lambda_shop, root), "Terraform would take `live` back"

    cloudwatch = lambda_shop.client("cloudwatch")
    alarm = lambda_shop.outputs(root)["alarm_names"]["5xx-rate"]
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="deploy tier: a bad canary")
    try:
        stopped = start_release(lambda_shop, release)
    finally:
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="deploy tier")
    assert stopped["status"] == "Stopped"
    assert stopped["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert live_version(lambda_shop, function_name) == served, "a release under alarm moved `live`"

    shifted = start_release(lambda_shop, release)
    assert shifted["status"] == "Succeeded"
    target = json.loads(release["appspec"])["Resources"][0]["live"]["Properties"]["TargetVersion"]
    assert target != served
    assert live_version(lambda_shop, function_name) == target
    assert not traffic_changes(lambda_shop, root), "Terraform would take `live` back"
    # The next pipeline run reads `live` afresh: nothing is pending any more.
    lambda_shop.run(
        root,
        "apply",
        "-refresh-only",
        "-input=false",
        "-no-color",
        "-auto-approve",
        *lambda_shop.variables(root, image_tag=RELEASE),
    )
    assert lambda_shop.outputs(root)["lambda_release"]["pending"] is False
