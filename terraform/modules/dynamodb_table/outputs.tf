output "dynamodb_table_name" {
  description = "The table's name."
  value       = aws_dynamodb_table.this.name
}

output "dynamodb_table_arn" {
  description = "The table's ARN; its indexes are \"<arn>/index/<name>\"."
  value       = aws_dynamodb_table.this.arn
}

output "dynamodb_table_index_names" {
  description = "The names of the table's global secondary indexes."
  value       = keys(local.indexes)
}

output "dynamodb_table_billing_mode" {
  description = "PROVISIONED or PAY_PER_REQUEST."
  value       = aws_dynamodb_table.this.billing_mode
}

output "dynamodb_table_stream_arn" {
  description = "The stream's ARN, or null when no stream is enabled."
  value       = var.stream_view_type == null ? null : aws_dynamodb_table.this.stream_arn
}

output "dynamodb_table_kms_key_arn" {
  description = "The KMS key encrypting the table."
  value       = local.kms_key_arn
}
