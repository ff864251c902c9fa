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

output "lambda_target_version" {
  description = "The version this apply published: where the next traffic shift takes `live`."
  value       = aws_lambda_function.this.version
}

output "lambda_release" {
  description = "What the pipeline hands CodeDeploy after an apply: the application, its deployment group, whether `live` still points at an older version (`pending`), and the AppSpec shifting it from the current to the published version."
  value = {
    application      = aws_codedeploy_app.this.name
    deployment_group = aws_codedeploy_deployment_group.live.deployment_group_name
    pending          = aws_lambda_alias.live.function_version != aws_lambda_function.this.version
    appspec = jsonencode({
      version = "0.0"
      Resources = [{
        live = {
          Type = "AWS::Lambda::Function"
          Properties = {
            Name           = aws_lambda_function.this.function_name
            Alias          = aws_lambda_alias.live.name
            CurrentVersion = aws_lambda_alias.live.function_version
            TargetVersion  = aws_lambda_function.this.version
          }
        }
      }]
    })
  }
}

output "lambda_secret_references" {
  description = "SHOPSMART_SECRET_ARNS as the function gets it: the secrets (variable name => ARN or ECS-style version reference) its handler reads at run time. ARNs only, never a value."
  value       = local.secret_references
}
