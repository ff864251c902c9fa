"""A rotation of the signing keys: the platform publishes their previous versions, on request only.

On the Lambda deployment's applied platform (the `planned` fixture), the platform is planned as the
README's rotation applies it (`secret_generation` raised, `accept_previous_secrets = true`): the
parameter the service roots read then names each signing key's AWSPREVIOUS version as ECS's
reference (`<ARN>::AWSPREVIOUS:`), which ECS and the Lambda handler both read. Nothing is applied.
Which services get which previous key is shop_service's terraform test (tests/inputs.tftest.hcl).
"""

from __future__ import annotations

import json

from deploy_harness import PLATFORM, result_of

PARAMETER = "/shopsmart/production/platform"  # the example variables' environment
PREVIOUS = {
    "SHOPSMART_CURSOR_PREVIOUS_SECRET": "SHOPSMART_CURSOR_SECRET",
    "SHOPSMART_GUEST_TOKEN_PREVIOUS_SECRET": "SHOPSMART_GUEST_TOKEN_SECRET",
}


def _published(plan: dict) -> dict:
    (parameter,) = [
        change for change in plan["resource_changes"] if change["address"] == "aws_ssm_parameter.platform"
    ]
    return json.loads(parameter["change"]["after"]["value"])


def test_a_rotation_publishes_the_previous_signing_keys_by_version_stage(planned) -> None:
    deployment = result_of(planned, "lambda").deployment
    parameter = deployment.client("ssm").get_parameter(Name=PARAMETER)["Parameter"]["Value"]
    assert not set(PREVIOUS) & set(json.loads(parameter)["secret_arns"]), "published outside a rotation"

    _, plan = deployment.plan(PLATFORM, secret_generation="2", accept_previous_secrets="true")
    secret_arns = _published(plan)["secret_arns"]
    for previous, current in PREVIOUS.items():
        assert secret_arns[previous] == f"{secret_arns[current]}::AWSPREVIOUS:"


def test_accepting_previous_keys_before_any_rotation_is_refused(planned) -> None:
    deployment = result_of(planned, "lambda").deployment
    refused = deployment.run(
        PLATFORM,
        "plan",
        "-input=false",
        "-no-color",
        *deployment.variables(PLATFORM, accept_previous_secrets="true"),
        ok=(1,),
    )
    assert "accept_previous_secrets needs a rotated key" in refused.output
