# One team's deploy identity: a role its workflow assumes through GitHub's OIDC federation (the
# trust policies come from the platform, which writes them for every identity alike), allowed to
# apply its own service root and nothing else; and a read-only role for its pull requests' plans.

data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.name
  full_name = "shopsmart-${var.environment_name}-${var.service}"
  table     = "shopsmart-${var.environment_name}-${var.table}"
  # The service's IAM roles are made with name prefixes cut to 25 and 30 characters
  # (modules/service, modules/lambda_service); both start with the first 25.
  role_prefix = substr(local.full_name, 0, 25)

  arn = {
    table       = "arn:${local.partition}:dynamodb:${local.region}:${local.account}:table/${local.table}"
    roles       = "arn:${local.partition}:iam::${local.account}:role/${local.role_prefix}*"
    log_groups  = "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/shopsmart/${var.environment_name}/${var.service}"
    lambda_logs = "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws/lambda/${local.full_name}"
    alarms      = "arn:${local.partition}:cloudwatch:${local.region}:${local.account}:alarm:${local.full_name}-*"
    dashboard   = "arn:${local.partition}:cloudwatch::${local.account}:dashboard/${local.full_name}"
    function    = "arn:${local.partition}:lambda:${local.region}:${local.account}:function:${local.full_name}"
    # Lambda mode's CodeDeploy application (named as the function) and its deployment groups.
    deploy_app    = "arn:${local.partition}:codedeploy:${local.region}:${local.account}:application:${local.full_name}"
    deploy_groups = "arn:${local.partition}:codedeploy:${local.region}:${local.account}:deploymentgroup:${local.full_name}/*"
    deploy_config = "arn:${local.partition}:codedeploy:${local.region}:${local.account}:deploymentconfig:*"
    schedules     = "arn:${local.partition}:events:${local.region}:${local.account}:rule/${local.full_name}-*"
    key_alias     = "arn:${local.partition}:kms:${local.region}:${local.account}:alias/dynamodb/${local.table}"
    state         = "arn:${local.partition}:s3:::${var.state.bucket}/${var.state.key}"
    bucket        = "arn:${local.partition}:s3:::${var.state.bucket}"
  }
  # The AWS managed policies a service's role may carry (the Lambda function's network and X-Ray).
  attachable_policies = ["arn:${local.partition}:iam::aws:policy/service-role/*", "arn:${local.partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"]
  team_tag            = { test = "StringEquals", variable = "aws:ResourceTag/Team", values = [var.team] }
  request_tag         = { test = "StringEquals", variable = "aws:RequestTag/Team", values = [var.team] }
}

resource "aws_iam_role" "this" {
  for_each = var.assume_role_policies

  name                 = "shopsmart-${var.environment_name}-${each.key}-${var.service}"
  description          = "${each.key == "deploy" ? "Applies" : "Plans"} terraform/services/${var.service} (${var.environment_name}) for team ${var.team}, from its GitHub workflow only."
  assume_role_policy   = each.value
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "deploy" {
  name   = "own-service-only"
  role   = aws_iam_role.this["deploy"].id
  policy = data.aws_iam_policy_document.deploy.json
}

resource "aws_iam_role_policy" "plan" {
  name   = "read-own-service"
  role   = aws_iam_role.this["plan"].id
  policy = data.aws_iam_policy_document.read.json
}
