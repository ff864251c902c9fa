output "shop_url" {
  description = "Where customers reach the shop: the public load balancer (ECS) or the HTTP API (Lambda)."
  value       = local.on_ecs ? module.public_alb[0].alb_url : module.http_api[0].http_api_endpoint
}

output "platform_parameter_name" {
  description = "The SSM parameter the services' roots read the platform from."
  value       = aws_ssm_parameter.platform.name
}

output "dashboard_url" {
  description = "The overview dashboard; each service's root outputs its own."
  value       = module.monitoring.monitoring_dashboard_url
}

output "alarm_topic_arn" {
  description = "The SNS topic every alarm of the shop notifies."
  value       = module.monitoring.monitoring_alarm_topic_arn
}

output "image_repositories" {
  description = "Where to push each image (tag <image_tag>, and <image_tag>-lambda for Lambda)."
  value       = { for name, repository in aws_ecr_repository.service : name => repository.repository_url }
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

output "web_config" {
  description = "The web shop's /config.json (sign-in settings): on ECS the web page's tasks serve it (SHOPSMART_WEB_CONFIG); on Lambda serve it beside the page."
  value       = local.web_config
}
