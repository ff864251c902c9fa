output "team_deploy_role_arn" {
  description = "The role the team's release jobs assume (its GitHub environment's AWS_ROLE_ARN)."
  value       = aws_iam_role.this["deploy"].arn
}

output "team_deploy_role_plan_arn" {
  description = "The read-only role the team's pull-request plans assume (its plan environment's AWS_ROLE_ARN)."
  value       = aws_iam_role.this["plan"].arn
}

output "team_deploy_role_policy" {
  description = "The deploy role's policy (JSON), as written to IAM."
  value       = data.aws_iam_policy_document.deploy.json
}

output "team_deploy_role_permissions_boundary_arn" {
  description = "The permissions boundary every role of the service must carry: the deploy role creates roles and writes their policies only with it."
  value       = aws_iam_policy.boundary.arn
}
