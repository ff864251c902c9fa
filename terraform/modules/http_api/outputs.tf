output "http_api_id" {
  description = "The API's id (the ApiId dimension in CloudWatch)."
  value       = aws_apigatewayv2_api.this.id
}

output "http_api_endpoint" {
  description = "The shop's API base URL."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "http_api_route_keys" {
  description = "Every route key, e.g. \"ANY /products/{proxy+}\", with the service answering it."
  value       = local.route_keys
}

output "http_api_stage_name" {
  description = "The auto-deployed stage."
  value       = aws_apigatewayv2_stage.default.name
}
