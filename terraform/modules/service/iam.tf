data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

# The task role: what the service's code may do. Only its own table and that table's indexes, and only
# the DynamoDB actions its repositories call.
resource "aws_iam_role" "task" {
  name_prefix          = "${substr(local.full_name, 0, 30)}-task-"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

# Its table and secrets, as the Lambda function's role has them (modules/service_access_policy).
module "access_policy" {
  source = "../service_access_policy"

  table               = var.table
  secrets             = var.secrets
  secrets_kms_key_arn = var.secrets_kms_key_arn
}

resource "aws_iam_role_policy" "table_access" {
  count = var.table == null ? 0 : 1

  name   = "own-table"
  role   = aws_iam_role.task.id
  policy = module.access_policy.service_access_policy_table_json
}

# The execution role: what ECS needs to start the task (pull the image, write logs, read secrets),
# on this service's own repository and log group only, not AmazonECSTaskExecutionRolePolicy's `*`.
resource "aws_iam_role" "execution" {
  name_prefix          = "${substr(local.full_name, 0, 25)}-execution-"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_partition" "current" {}

locals {
  # An ECR image (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>) and its repository.
  ecr_image      = try(regex("^(?P<account>[0-9]{12})\\.dkr\\.ecr\\.(?P<region>[a-z0-9-]+)\\.amazonaws\\.com/(?P<repository>[^:@]+)", var.image), null)
  repository_arn = local.ecr_image == null ? null : "arn:${data.aws_partition.current.partition}:ecr:${local.ecr_image.region}:${local.ecr_image.account}:repository/${local.ecr_image.repository}"
}

data "aws_iam_policy_document" "execution" {
  dynamic "statement" {
    for_each = local.repository_arn == null ? [] : [local.repository_arn]
    content {
      sid       = "PullOwnImage"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      resources = [statement.value]
    }
  }

  # The registry's login token is account-wide: this action takes no resource.
  dynamic "statement" {
    for_each = local.repository_arn == null ? [] : [local.repository_arn]
    content {
      sid       = "RegistryLogin"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"]
    }
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-image-write-logs"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role_policy" "read_secrets" {
  count = length(var.secrets) > 0 ? 1 : 0

  name   = "read-secrets"
  role   = aws_iam_role.execution.id
  policy = module.access_policy.service_access_policy_secrets_json
}
