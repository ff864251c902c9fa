module "monitoring" {
  source = "../modules/monitoring"

  name          = local.name
  services      = local.services
  load_balancer = local.on_ecs ? { arn_suffix = module.public_alb[0].alb_arn_suffix } : null
  http_api = local.on_lambda ? {
    api_id = module.http_api[0].http_api_id
    stage  = module.http_api[0].http_api_stage_name
  } : null

  alarm_emails = var.alarm_emails
  kms_key_arn  = aws_kms_key.observability.arn
}
