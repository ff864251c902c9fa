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
  name_prefix          = "${substr(local.function_name, 0, 30)}-fn-"
  assume_role_policy   = data.aws_iam_policy_document.lambda_assume.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

# The same least privilege as the container: its own table and indexes, only the actions it calls,
# and the secrets the handler reads at run time (modules/service_access_policy).
module "access_policy" {
  source = "../service_access_policy"

  table               = var.table
  secrets             = var.secrets
  secrets_kms_key_arn = var.secrets_kms_key_arn
}

resource "aws_iam_role_policy" "table_access" {
  name   = "own-table"
  role   = aws_iam_role.function.id
  policy = module.access_policy.service_access_policy_table_json
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

resource "aws_iam_role_policy" "read_secrets" {
  count = length(var.secrets) > 0 ? 1 : 0

  name   = "read-secrets"
  role   = aws_iam_role.function.id
  policy = module.access_policy.service_access_policy_secrets_json
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
