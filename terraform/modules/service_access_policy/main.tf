# What a service's own code may reach, whatever runs it: the ECS task and execution roles
# (modules/service) and the Lambda function's role (modules/lambda_service) take these documents.

locals {
  index_arns    = var.table == null ? [] : [for name in var.table.index_names : "${var.table.arn}/index/${name}"]
  index_actions = var.table == null ? [] : [for action in var.table.actions : action if contains(["dynamodb:Query", "dynamodb:Scan"], action)]
  # A secret may be referenced as ECS does, `<secret ARN>:<json key>:<version stage>:<version id>`
  # (e.g. the previous value during a rotation, `<ARN>::AWSPREVIOUS:`); IAM names the secret itself.
  secret_arns = distinct([for reference in values(var.secrets) : join(":", slice(split(":", reference), 0, 7))])
}

# Only its own table, and only the DynamoDB actions its repositories call.
data "aws_iam_policy_document" "table_access" {
  count = var.table == null ? 0 : 1

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

# Exactly its own secrets, and the key they are encrypted with.
data "aws_iam_policy_document" "read_secrets" {
  count = length(var.secrets) > 0 ? 1 : 0

  statement {
    sid       = "ReadOwnSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.secret_arns
  }

  statement {
    sid       = "DecryptOwnSecrets"
    actions   = ["kms:Decrypt"]
    resources = [var.secrets_kms_key_arn]
  }
}
