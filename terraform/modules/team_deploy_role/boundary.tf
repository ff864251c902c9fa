# The most any role the team's root makes may ever do (the ECS task and execution roles, the Lambda
# function's role, its CodeDeploy role): the deploy role creates roles and writes their policies
# only with this boundary attached (policy.tf), so whatever policy a team writes, its service's roles
# reach its own table, log groups, image, function and alarms, the shop's secrets and keys, and
# nothing else in the account: no IAM, no other team's table, no data outside the shop.

data "aws_iam_policy_document" "boundary" {
  # checkov:skip=CKV_AWS_111: a boundary grants nothing by itself, it caps; its unconstrained writes are a function's network interfaces and X-Ray segments, which take no resource
  # checkov:skip=CKV_AWS_356: "*" only for the calls that take no resource (network interfaces of a function in a VPC, X-Ray, the registry's login) and for KMS keys, whose key policies name who may use them
  statement {
    sid = "OwnTableData"
    actions = [
      "dynamodb:BatchGetItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:ConditionCheckItem",
      "dynamodb:DeleteItem",
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:Scan",
      "dynamodb:UpdateItem",
    ]
    resources = [local.arn.table, "${local.arn.table}/index/*"]
  }

  statement {
    sid       = "TheShopsSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["arn:${local.partition}:secretsmanager:${local.region}:${local.account}:secret:shopsmart-${var.environment_name}/*"]
  }

  # A table's key, the secrets' key and the environment's key: each key's policy says whose it is.
  statement {
    sid       = "KeysTheirPoliciesAllow"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    resources = ["arn:${local.partition}:kms:${local.region}:${local.account}:key/*"]
  }

  statement {
    sid     = "OwnLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [
      local.arn.log_groups, "${local.arn.log_groups}:*",
      local.arn.lambda_logs, "${local.arn.lambda_logs}:*",
    ]
  }

  statement {
    sid       = "PullOwnImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [var.image_repository_arn]
  }

  statement {
    sid       = "ShiftOwnFunctionAndWatchOwnAlarms"
    actions   = ["lambda:GetAlias", "lambda:GetProvisionedConcurrencyConfig", "lambda:UpdateAlias", "cloudwatch:DescribeAlarms"]
    resources = [local.arn.function, "${local.arn.function}:*", local.arn.alarms]
  }

  # AWSLambdaVPCAccessExecutionRole's network interfaces, AWSXRayDaemonWriteAccess and the
  # registry's login: none of them takes a resource.
  statement {
    sid = "CallsWithoutAResource"
    actions = [
      "ec2:AssignPrivateIpAddresses",
      "ec2:CreateNetworkInterface",
      "ec2:DeleteNetworkInterface",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSubnets",
      "ec2:UnassignPrivateIpAddresses",
      "ecr:GetAuthorizationToken",
      "xray:GetSamplingRules",
      "xray:GetSamplingStatisticSummaries",
      "xray:GetSamplingTargets",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "boundary" {
  name        = var.permissions_boundary_name
  description = "The most a role of the ${var.service} service may do (its team's deploy role sets it on every role it makes)."
  policy      = data.aws_iam_policy_document.boundary.json
}
