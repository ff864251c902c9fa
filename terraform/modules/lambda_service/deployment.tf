# Traffic shifting: a release publishes a version, and CodeDeploy moves the `live` alias to it in
# steps (by default 10 % for five minutes, then the rest), watching the service's rollback alarms.
# An alarm during the shift, or a failed deployment, puts every request back on the version that
# served before. The pipeline starts the deployment after the apply with the AppSpec this module
# outputs (`lambda_release`); Terraform creates the alias once and leaves its version to CodeDeploy.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  alarm_arns = [
    for name in var.rollback_alarm_names :
    "arn:${data.aws_partition.current.partition}:cloudwatch:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:alarm:${name}"
  ]
}

resource "aws_codedeploy_app" "this" {
  name             = local.function_name
  compute_platform = "Lambda"
  tags             = var.tags
}

resource "aws_codedeploy_deployment_group" "live" {
  app_name               = aws_codedeploy_app.this.name
  deployment_group_name  = "live"
  service_role_arn       = aws_iam_role.deployment.arn
  deployment_config_name = var.deployment_config_name

  # The only style CodeDeploy has for Lambda: the alias's weights move from one version to another.
  deployment_style {
    deployment_type   = "BLUE_GREEN"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }

  alarm_configuration {
    enabled = true
    alarms  = var.rollback_alarm_names
    # An alarm CodeDeploy cannot read stops the deployment rather than being taken for "OK".
    ignore_poll_alarm_failure = false
  }

  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }

  tags = var.tags
}

data "aws_iam_policy_document" "codedeploy_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["codedeploy.amazonaws.com"]
    }
  }
}

# What AWSCodeDeployRoleForLambda grants on `*`, cut to this function's alias and this service's
# alarms. No S3 (the AppSpec travels inline), no hook functions, no SNS triggers.
resource "aws_iam_role" "deployment" {
  name_prefix          = "${substr(local.function_name, 0, 30)}-cd-"
  assume_role_policy   = data.aws_iam_policy_document.codedeploy_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "deployment" {
  statement {
    sid       = "ShiftOwnAlias"
    actions   = ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"]
    resources = [aws_lambda_function.this.arn, "${aws_lambda_function.this.arn}:*"]
  }

  dynamic "statement" {
    for_each = length(local.alarm_arns) > 0 ? [local.alarm_arns] : []
    content {
      sid       = "WatchOwnAlarms"
      actions   = ["cloudwatch:DescribeAlarms"]
      resources = statement.value
    }
  }
}

resource "aws_iam_role_policy" "deployment" {
  name   = "shift-live-alias"
  role   = aws_iam_role.deployment.id
  policy = data.aws_iam_policy_document.deployment.json
}
