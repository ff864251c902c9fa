# The shop's public API when it runs on Lambda: the API, its stage and access logs. Each service's
# root adds its own integration and routes (modules/http_api_routes); with no other route, /internal/*
# and anything unlisted get API Gateway's 404.

resource "aws_apigatewayv2_api" "this" {
  name          = var.name
  protocol_type = "HTTP"
  description   = "ShopSmart public API: the same routes as the load balancer"

  dynamic "cors_configuration" {
    for_each = length(var.cors_allowed_origins) > 0 ? [var.cors_allowed_origins] : []
    content {
      allow_origins  = cors_configuration.value
      allow_methods  = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
      allow_headers  = ["authorization", "content-type", "idempotency-key", "if-match", "x-guest-token", "x-request-id"]
      expose_headers = ["etag", "x-request-id", "retry-after"]
      max_age        = 600
    }
  }

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/shopsmart/${var.name}/http-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit    = var.throttling.rate_limit
    throttling_burst_limit   = var.throttling.burst_limit
    detailed_metrics_enabled = true
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId      = "$context.requestId"
      routeKey       = "$context.routeKey"
      status         = "$context.status"
      latency        = "$context.integrationLatency"
      responseLength = "$context.responseLength"
      sourceIp       = "$context.identity.sourceIp"
    })
  }

  tags = var.tags
}
