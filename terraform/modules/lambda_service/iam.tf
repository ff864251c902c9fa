data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  name_prefix        = "${substr(local.function_name, 0, 30)}-fn-"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = var.tags
}

# The same least privilege as the container: its own table and indexes, only the actions it calls.
data "aws_iam_policy_document" "table_access" {
  statement {
    sid       = "OwnTableOnly"
    actions   = var.table.actions
    resources = [var.table.arn]
  }

  # Indexes are only read: the read actions the service calls, on each index by name.
  dynamic "statement" {
    for_each = length(local.index_arns) > 0 && length(local.index_actions) > 0 ? [local.index_arns] : []
    content {
      sid       = "OwnIndexesReadOnly"
      actions   = local.index_actions
      resources = statement.value
    }
  }
}

locals {
  index_arns    = [for name in var.table.index_names : "${var.table.arn}/index/${name}"]
  index_actions = [for action in var.table.actions : action if contains(["dynamodb:Query", "dynamodb:Scan"], action)]
}

resource "aws_iam_role_policy" "table_access" {
  name   = "own-table"
  role   = aws_iam_role.function.id
  policy = data.aws_iam_policy_document.table_access.json
}

data "aws_iam_policy_document" "logs" {
  statement {
    sid       = "OwnLogGroupOnly"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

resource "aws_iam_role_policy" "logs" {
  name   = "own-logs"
  role   = aws_iam_role.function.id
  policy = data.aws_iam_policy_document.logs.json
}

# A customer managed key on the environment variables needs the role to decrypt them at start.
data "aws_iam_policy_document" "environment_key" {
  statement {
    sid       = "DecryptOwnEnvironment"
    actions   = ["kms:Decrypt"]
    resources = [var.environment_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "environment_key" {
  name   = "environment-key"
  role   = aws_iam_role.function.id
  policy = data.aws_iam_policy_document.environment_key.json
}

# The secrets' values, read by the handler at run time (never in the function's configuration).
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
  role   = aws_iam_role.function.id
  policy = data.aws_iam_policy_document.read_secrets[0].json
}

# Network interfaces in the VPC and X-Ray segments: AWS's managed policies for exactly these.
resource "aws_iam_role_policy_attachment" "vpc_access" {
  role       = aws_iam_role.function.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

resource "aws_iam_role_policy_attachment" "tracing" {
  role       = aws_iam_role.function.name
  policy_arn = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
}
