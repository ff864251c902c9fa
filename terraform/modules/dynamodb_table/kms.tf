resource "aws_kms_key" "table" {
  count = var.kms_key_arn == null ? 1 : 0

  description             = "Encrypts the DynamoDB table ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  tags                    = var.tags

  # A key policy ("Resource": "*" is this key): the account administers it through IAM, and
  # DynamoDB may use it on behalf of the service's own roles only (key_user_arns), not any
  # principal of the account that reaches the table.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      }],
      length(var.key_user_arns) == 0 ? [] : [{
        Sid       = "DynamoDBUsesTheKeyForTheServiceRoles"
        Effect    = "Allow"
        Principal = { AWS = var.key_user_arns }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          StringEquals = {
            "kms:CallerAccount" = data.aws_caller_identity.current.account_id
            "kms:ViaService"    = "dynamodb.${data.aws_region.current.name}.amazonaws.com"
          }
        }
      }],
    )
  })
}

resource "aws_kms_alias" "table" {
  count = var.kms_key_arn == null ? 1 : 0

  name          = "alias/dynamodb/${var.name}"
  target_key_id = aws_kms_key.table[0].key_id
}
