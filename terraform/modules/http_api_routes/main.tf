# One service's public routes on the platform's HTTP API, to the service's `live` alias.

locals {
  # ALB `*` at the end of a path is API Gateway's greedy `{proxy+}`, so the same routes table
  # serves both entrances.
  route_keys = toset([
    for pattern in var.path_patterns :
    "ANY ${endswith(pattern, "/*") ? "${trimsuffix(pattern, "/*")}/{proxy+}" : pattern}"
  ])
}

resource "aws_apigatewayv2_integration" "service" {
  api_id                 = var.api_id
  integration_type       = "AWS_PROXY"
  integration_uri        = var.function.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 29000
}

resource "aws_apigatewayv2_route" "public" {
  for_each = local.route_keys

  api_id    = var.api_id
  route_key = each.key
  target    = "integrations/${aws_apigatewayv2_integration.service.id}"
}

resource "aws_lambda_permission" "api" {
  statement_id  = "http-api"
  action        = "lambda:InvokeFunction"
  function_name = var.function.function_name
  qualifier     = var.function.alias_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${var.api_execution_arn}/*/*"
}
