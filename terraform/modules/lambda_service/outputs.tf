output "lambda_function_name" {
  description = "The function's name."
  value       = aws_lambda_function.this.function_name
}

output "lambda_function_arn" {
  description = "The function's ARN."
  value       = aws_lambda_function.this.arn
}

output "lambda_invoke_arn" {
  description = "The ARN API Gateway integrations invoke: the `live` alias."
  value       = aws_lambda_alias.live.invoke_arn
}

output "lambda_alias_name" {
  description = "The alias callers reach (\"live\")."
  value       = aws_lambda_alias.live.name
}

output "lambda_live_version" {
  description = "The published version the `live` alias points at."
  value       = aws_lambda_alias.live.function_version
}

output "lambda_role_arn" {
  description = "The function's role (its own permissions)."
  value       = aws_iam_role.function.arn
}

output "lambda_security_group_id" {
  description = "The function's security group."
  value       = aws_security_group.this.id
}

output "lambda_log_group_name" {
  description = "The log group receiving the function's JSON logs and EMF metrics."
  value       = aws_cloudwatch_log_group.this.name
}
