output "service_access_policy_table_json" {
  description = "The policy on the service's table and indexes; null without a table."
  value       = one(data.aws_iam_policy_document.table_access[*].json)
}

output "service_access_policy_secrets_json" {
  description = "The policy reading the service's secrets; null without secrets."
  value       = one(data.aws_iam_policy_document.read_secrets[*].json)
}
