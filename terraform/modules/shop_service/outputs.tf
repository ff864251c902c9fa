output "shop_service_table_name" {
  description = "The service's DynamoDB table."
  value       = module.table.dynamodb_table_name
}

output "shop_service_image" {
  description = "The image the service runs (ECS; Lambda runs <image>-lambda)."
  value       = local.image
}

output "shop_service_dashboard_url" {
  description = "The service's own dashboard."
  value       = module.monitoring.service_monitoring_dashboard_url
}

output "shop_service_alarm_names" {
  description = "The service's alarms by kind."
  value       = module.monitoring.service_monitoring_alarm_names
}

output "shop_service_internal_url" {
  description = "The service's address inside the VPC for its callers, or null when nobody calls it."
  value       = lookup(var.platform.internal_urls, var.name, null)
}

output "shop_service_live_version" {
  description = "On Lambda, the published version the `live` alias points at; null on ECS."
  value       = try(module.lambda_service[0].lambda_live_version, null)
}

output "shop_service_lambda_release" {
  description = "On Lambda, what the pipeline gives CodeDeploy to shift `live` to the published version (application, deployment group, pending, AppSpec); null on ECS."
  value       = try(module.lambda_service[0].lambda_release, null)
}
