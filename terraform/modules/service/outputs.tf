output "service_name" {
  description = "The ECS service's name."
  value       = aws_ecs_service.this.name
}

output "service_security_group_id" {
  description = "The tasks' security group."
  value       = aws_security_group.this.id
}

output "service_task_role_arn" {
  description = "The task role (the service's own permissions)."
  value       = aws_iam_role.task.arn
}

output "service_log_group_name" {
  description = "The log group receiving the service's JSON logs and EMF metrics."
  value       = aws_cloudwatch_log_group.this.name
}

output "service_task_definition_arn" {
  description = "The current task definition."
  value       = aws_ecs_task_definition.this.arn
}
