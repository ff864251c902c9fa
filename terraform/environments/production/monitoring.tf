module "monitoring" {
  source = "../../modules/monitoring"

  name     = local.name
  services = keys(local.services)
  tables = {
    for name, table in module.table : name => {
      name         = table.dynamodb_table_name
      index_names  = table.dynamodb_table_index_names
      billing_mode = table.dynamodb_table_billing_mode
    }
  }

  load_balancer = local.on_ecs ? {
    arn_suffix    = module.public_alb[0].alb_arn_suffix
    target_groups = { for name in keys(local.services) : name => module.public_alb[0].alb_target_group_arn_suffixes[name] }
  } : null
  ecs = local.on_ecs ? {
    cluster_name = aws_ecs_cluster.this[0].name
    services     = { for name, service in module.ecs_service : name => service.service_name }
  } : null

  http_api = local.on_lambda ? {
    api_id = module.http_api[0].http_api_id
    stage  = module.http_api[0].http_api_stage_name
  } : null
  lambda_functions = { for name, function in module.lambda_service : name => function.lambda_function_name }

  alarm_emails = var.alarm_emails
  kms_key_arn  = aws_kms_key.observability.arn
}
