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
  name_prefix        = "${substr(local.full_name, 0, 30)}-task-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "table_access" {
  count = var.table == null ? 0 : 1

  statement {
    sid       = "OwnTableOnly"
    actions   = var.table.actions
    resources = [var.table.arn, "${var.table.arn}/index/*"]
  }
}

resource "aws_iam_role_policy" "table_access" {
  count = var.table == null ? 0 : 1

  name   = "own-table"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.table_access[0].json
}

# The execution role: what ECS needs to start the task (pull the image, write logs, read secrets).
resource "aws_iam_role" "execution" {
  name_prefix        = "${substr(local.full_name, 0, 25)}-execution-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "read_secrets" {
  count = length(var.secrets) > 0 ? 1 : 0

  statement {
    sid       = "ReadOwnSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = distinct(values(var.secrets))
  }

  statement {
    sid       = "DecryptOwnSecrets"
    actions   = ["kms:Decrypt"]
    resources = [var.secrets_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "read_secrets" {
  count = length(var.secrets) > 0 ? 1 : 0

  name   = "read-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.read_secrets[0].json
}
