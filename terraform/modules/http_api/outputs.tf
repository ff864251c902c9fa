output "http_api_id" {
  description = "The API's id (the ApiId dimension in CloudWatch)."
  value       = aws_apigatewayv2_api.this.id
}

output "http_api_endpoint" {
  description = "The shop's API base URL."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "http_api_stage_name" {
  description = "The auto-deployed stage."
  value       = aws_apigatewayv2_stage.default.name
}

output "http_api_execution_arn" {
  description = "The API's execution ARN, which Lambda permissions name as their source."
  value       = aws_apigatewayv2_api.this.execution_arn
}
