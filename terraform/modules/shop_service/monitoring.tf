module "monitoring" {
  source = "../service_monitoring"

  name    = local.full_name
  service = var.name
  table = {
    name        = module.table.dynamodb_table_name
    index_names = module.table.dynamodb_table_index_names
  }
  load_balancer = local.on_ecs ? {
    arn_suffix              = var.platform.public_alb_arn_suffix
    target_group_arn_suffix = module.routes.alb_route_target_group_arn_suffixes["public"]
  } : null
  # Names, not references to the service: its deployment watches these alarms, so they come first.
  ecs             = local.on_ecs ? { cluster_name = var.platform.cluster_name, service_name = var.name, max_tasks = var.capacity.max_tasks } : null
  lambda_function = local.on_lambda ? { name = local.full_name, reserved_concurrency = var.capacity.lambda_concurrency } : null
  table_capacity = var.table_billing_mode == "PROVISIONED" ? {
    read_max  = var.table_autoscaling.read_max_capacity
    write_max = var.table_autoscaling.write_max_capacity
  } : null
  alarm_thresholds = var.alarm_thresholds
  alarm_topic_arn  = var.platform.alarm_topic_arn
  tags             = var.tags
}
