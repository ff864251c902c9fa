locals {
  function_name = "shopsmart-${var.environment_name}-${var.name}"
  # The secrets the handler reads with the function's role (docker/lambda/lambda_handler.py).
  secret_references = jsonencode(var.secrets)
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  function_name                  = local.function_name
  description                    = "ShopSmart ${var.name} (Flask through apig-wsgi)"
  package_type                   = "Image"
  image_uri                      = var.image_uri
  role                           = aws_iam_role.function.arn
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency
  kms_key_arn                    = var.environment_kms_key_arn
  # Every change publishes a version; callers reach the `live` alias, never $LATEST.
  publish = true

  environment {
    variables = merge(var.environment, length(var.secrets) > 0 ? { SHOPSMART_SECRET_ARNS = local.secret_references } : {})
  }

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.this.id]
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.logs]
}

# What the HTTP API, the internal load balancer and the schedules invoke. Created on the first
# version; from then on CodeDeploy owns its version and weights (deployment.tf): an apply publishes
# a version, the pipeline's deployment shifts `live` to it or rolls it back (see the README).
resource "aws_lambda_alias" "live" {
  name             = "live"
  description      = "The version callers reach"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version

  lifecycle {
    ignore_changes = [function_version, routing_config]
  }
}

resource "aws_lambda_permission" "load_balancer" {
  for_each = var.load_balancer_target_groups

  statement_id  = "internal-load-balancer-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "elasticloadbalancing.amazonaws.com"
  source_arn    = each.value
}

resource "aws_lb_target_group_attachment" "this" {
  for_each = var.load_balancer_target_groups

  target_group_arn = each.value
  target_id        = aws_lambda_alias.live.arn

  depends_on = [aws_lambda_permission.load_balancer]
}
