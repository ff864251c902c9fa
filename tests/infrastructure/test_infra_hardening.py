"""Least privilege and credential handling that a review of the AWS side asks for (issue 22).

The credential headers are the code's own (`service_kit.guests`): a new one the code reads and the
WAF logs keep, or the HTTP API's CORS refuses, fails here.
"""

from __future__ import annotations

import re

from service_kit.guests import GUEST_TOKEN_HEADER
from service_kit.observability import REQUEST_ID_HEADER

CREDENTIAL_HEADERS = {"authorization", GUEST_TOKEN_HEADER.lower()}


def test_waf_logs_redact_every_credential_header(terraform) -> None:
    logging = terraform.modules["waf_acl"].resources["aws_wafv2_web_acl_logging_configuration.this"]
    redacted = {field["single_header"][0]["name"] for field in logging["redacted_fields"]}
    assert redacted == CREDENTIAL_HEADERS
    # The load balancer's web ACL and the edge's are that one module.
    for module_name, scope in (("alb", "REGIONAL"), ("cdn", "CLOUDFRONT")):
        call = terraform.modules[module_name].module_calls["web_acl"]
        assert (call["source"], call["scope"]) == ("../waf_acl", scope)
        assert not any(
            name.startswith("aws_wafv2_web_acl.") for name in terraform.modules[module_name].resources
        )


def test_the_http_api_lets_browsers_send_the_credentials_and_request_id(terraform) -> None:
    api = terraform.modules["http_api"].resources["aws_apigatewayv2_api.this"]
    cors = next(entry["cors_configuration"] for entry in api["dynamic"] if "cors_configuration" in entry)
    allowed = set(cors["content"][0]["allow_headers"])
    assert CREDENTIAL_HEADERS | {REQUEST_ID_HEADER.lower()} <= allowed


def test_the_execution_role_pulls_its_own_image_and_writes_its_own_logs(terraform) -> None:
    module = terraform.modules["service"]
    attachments = [name for name in module.resources if name.startswith("aws_iam_role_policy_attachment.")]
    assert attachments == [], "no AWS managed policy (AmazonECSTaskExecutionRolePolicy is ECR and logs on *)"
    document = module.data["aws_iam_policy_document.execution"]
    statements = {
        entry["statement"]["content"][0]["sid"]: entry["statement"] for entry in document["dynamic"]
    }
    assert statements["PullOwnImage"]["content"][0]["resources"] == ["${statement.value}"]
    assert statements["PullOwnImage"]["for_each"].endswith("[local.repository_arn]}")
    # GetAuthorizationToken has no resource to scope to; nothing else is on "*".
    assert statements["RegistryLogin"]["content"][0]["actions"] == ["ecr:GetAuthorizationToken"]
    (logs,) = document["statement"]
    assert logs["resources"] == ["${aws_cloudwatch_log_group.this.arn}:*"]
    assert ":repository/${local.ecr_image.repository}" in module.locals["repository_arn"]
    policy = module.resources["aws_iam_role_policy.execution"]
    assert policy["role"] == "${aws_iam_role.execution.id}"


def test_the_table_key_lets_dynamodb_use_it_for_the_service_role_only(terraform) -> None:
    key = terraform.modules["dynamodb_table"].resources["aws_kms_key.table"]
    policy = "".join(terraform.strings(key["policy"])).replace(" ", "")
    # Every principal is the account (its administrators, through IAM) or the service's roles.
    principals = re.findall(r"Principal=\{AWS=(.*?)\},Action", policy)
    assert principals == [
        '"arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"',
        "var.key_user_arns",
    ]
    assert '"kms:ViaService"="dynamodb.' in policy
    call = terraform.modules["shop_service"].module_calls["table"]
    assert "module.ecs_service[0].service_task_role_arn" in call["key_user_arns"]
    assert "module.lambda_service[0].lambda_role_arn" in call["key_user_arns"]
