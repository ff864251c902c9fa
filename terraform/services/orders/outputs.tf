output "table_name" {
  description = "The service's DynamoDB table."
  value       = module.orders.shop_service_table_name
}

output "image" {
  description = "The image the service runs."
  value       = module.orders.shop_service_image
}

output "dashboard_url" {
  description = "The service's own CloudWatch dashboard."
  value       = module.orders.shop_service_dashboard_url
}

output "alarm_names" {
  description = "The service's alarms by kind."
  value       = module.orders.shop_service_alarm_names
}

output "lambda_release" {
  description = "On Lambda, the CodeDeploy deployment the pipeline starts after the apply (null on ECS): see terraform/modules/lambda_service."
  value       = module.orders.shop_service_lambda_release
}
