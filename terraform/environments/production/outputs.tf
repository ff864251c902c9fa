output "shop_url" {
  description = "Where customers reach the shop: the public load balancer (ECS) or the HTTP API (Lambda)."
  value       = local.on_ecs ? module.public_alb[0].alb_url : module.http_api[0].http_api_endpoint
}

output "table_names" {
  description = "The DynamoDB tables by logical name (products, carts, orders)."
  value       = { for name, table in module.table : name => table.dynamodb_table_name }
}

output "dashboard_url" {
  description = "The CloudWatch dashboard."
  value       = module.monitoring.monitoring_dashboard_url
}

output "alarm_topic_arn" {
  description = "The SNS topic alarms notify."
  value       = module.monitoring.monitoring_alarm_topic_arn
}

output "image_repositories" {
  description = "Where to push each image (tag <image_tag>, and <image_tag>-lambda for Lambda)."
  value       = { for name, repository in aws_ecr_repository.service : name => repository.repository_url }
}

output "internal_service_urls" {
  description = "The services' internal addresses (inside the VPC only)."
  value       = module.internal_alb.alb_port_urls
}

output "identity" {
  description = "Cognito: user pool, web client, sign-in domain, issuer and JWKS."
  value = {
    user_pool_id  = module.identity.identity_user_pool_id
    web_client_id = module.identity.identity_web_client_id
    hosted_ui_url = module.identity.identity_hosted_ui_url
    issuer        = module.identity.identity_issuer
    jwks_url      = module.identity.identity_jwks_url
  }
}
