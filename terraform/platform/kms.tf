data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"

  # In a key policy "Resource": "*" is the key itself; the account administers the key through IAM.
  account_administers_key = {
    Sid       = "AccountAdministersTheKey"
    Effect    = "Allow"
    Principal = { AWS = local.account_root }
    Action    = "kms:*"
    Resource  = "*"
  }
}

# Logs (services, flow logs, WAF, API access) and the alarm topic.
resource "aws_kms_key" "observability" {
  description             = "${local.name}: log groups and the alarm topic"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      local.account_administers_key,
      {
        Sid       = "CloudWatchLogsEncryptsThisAccountsLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${data.aws_partition.current.partition}:logs:${var.region}:${data.aws_caller_identity.current.account_id}:log-group:*"
          }
        }
      },
      {
        Sid       = "CloudWatchAlarmsPublishToTheEncryptedTopic"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "observability" {
  name          = "alias/${local.name}/observability"
  target_key_id = aws_kms_key.observability.key_id
}

# Secrets Manager secrets, Lambda environment variables and image repositories; the roles that read
# them get kms:Decrypt on this key through IAM.
resource "aws_kms_key" "secrets" {
  description             = "${local.name}: service secrets"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [local.account_administers_key]
  })
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/${local.name}/secrets"
  target_key_id = aws_kms_key.secrets.key_id
}
