# One ShopSmart service in its own root: its table, its tasks (ECS) or function (Lambda) with a
# role reaching that table only, its entrances on the platform's load balancers or API, its
# scaling, alarms and dashboard. Everything it needs from the platform comes from `var.platform`.

locals {
  full_name = "${var.platform.name}-${var.name}"
  on_ecs    = var.platform.compute == "ecs"
  on_lambda = var.platform.compute == "lambda"
  image     = "${var.platform.image_repositories[var.name]}:${var.image_tag}"

  # What the service is told, whatever runs it: the SHOPSMART_* settings create_app() reads.
  environment = merge(
    {
      AWS_REGION             = var.platform.region
      SHOPSMART_TABLE_PREFIX = var.platform.table_prefix
      SHOPSMART_JWKS_URL     = var.platform.identity.SHOPSMART_JWKS_URL
      SHOPSMART_JWT_ISSUER   = var.platform.identity.SHOPSMART_JWT_ISSUER
      SHOPSMART_JWT_AUDIENCE = var.platform.identity.SHOPSMART_JWT_AUDIENCE
      # Every service knows the services' client: the one whose tokens /internal/* accepts.
      SHOPSMART_SERVICE_CLIENT_ID = var.platform.identity.SHOPSMART_SERVICE_CLIENT_ID
      SHOPSMART_LOG_LEVEL         = "INFO"
      PYTHONUNBUFFERED            = "1"
    },
    { for peer in var.peers : "SHOPSMART_${upper(peer)}_URL" => var.platform.internal_urls[peer] },
    contains(var.secrets, "SHOPSMART_SERVICE_CLIENT_SECRET") ? {
      SHOPSMART_SERVICE_TOKEN_URL = var.platform.identity.SHOPSMART_SERVICE_TOKEN_URL
    } : {},
    var.environment,
  )
  # A signing key's value before the last rotation is given too while the platform publishes it
  # (accept_previous_secrets), so tokens signed before a rotation still verify.
  previous_secret = {
    SHOPSMART_CURSOR_SECRET      = "SHOPSMART_CURSOR_PREVIOUS_SECRET"
    SHOPSMART_GUEST_TOKEN_SECRET = "SHOPSMART_GUEST_TOKEN_PREVIOUS_SECRET"
  }
  secret_arns = merge(
    { for variable in var.secrets : variable => var.platform.secret_arns[variable] },
    {
      for variable in var.secrets : local.previous_secret[variable] => var.platform.secret_arns[local.previous_secret[variable]]
      if contains(keys(local.previous_secret), variable) && contains(keys(var.platform.secret_arns), lookup(local.previous_secret, variable, ""))
    },
  )
  internal_port = lookup(var.platform.internal_ports, var.name, null)
  # Every role the service has carries its team's boundary, without which its deploy role may not
  # make one (modules/team_deploy_role/boundary.tf).
  permissions_boundary_arn = lookup(var.platform.permissions_boundaries, var.name, null)
}

module "table" {
  source = "../dynamodb_table"

  name                     = "${var.platform.table_prefix}${var.table.logical_name}"
  hash_key                 = var.table.hash_key
  range_key                = var.table.range_key
  global_secondary_indexes = var.table.global_secondary_indexes
  ttl_attribute            = var.table.ttl_attribute
  billing_mode             = var.table_billing_mode
  autoscaling              = var.table_autoscaling
  deletion_protection      = var.deletion_protection
  point_in_time_recovery   = true
  # The key names the one role that reads and writes the table.
  key_user_arns = local.on_ecs ? [module.ecs_service[0].service_task_role_arn] : [module.lambda_service[0].lambda_role_arn]
}

module "ecs_service" {
  source = "../service"
  count  = local.on_ecs ? 1 : 0

  name             = var.name
  environment_name = var.platform.environment_name
  cluster_arn      = var.platform.cluster_arn
  cluster_name     = var.platform.cluster_name
  image            = local.image
  cpu              = var.capacity.cpu
  memory           = var.capacity.memory

  environment         = local.environment
  secrets             = local.secret_arns
  secrets_kms_key_arn = var.platform.secrets_key_arn

  table = {
    arn         = module.table.dynamodb_table_arn
    index_names = module.table.dynamodb_table_index_names
    actions     = var.dynamodb_actions
  }

  vpc_id     = var.platform.vpc_id
  subnet_ids = var.platform.private_subnet_ids
  load_balancers = merge(
    {
      public = {
        target_group_arn  = module.routes.alb_route_target_group_arns["public"]
        security_group_id = var.platform.public_alb_security_group
      }
    },
    local.internal_port == null ? {} : {
      internal = {
        target_group_arn  = module.routes.alb_route_target_group_arns["internal"]
        security_group_id = var.platform.internal_alb_security_group
      }
    },
  )
  egress_security_groups = local.peer_egress

  autoscaling = {
    min_capacity                 = var.capacity.min_tasks
    max_capacity                 = var.capacity.max_tasks
    request_count_resource_label = "${var.platform.public_alb_arn_suffix}/${module.routes.alb_route_target_group_arn_suffixes["public"]}"
  }
  desired_count            = var.capacity.min_tasks
  rollback_alarm_names     = module.monitoring.service_monitoring_rollback_alarm_names
  permissions_boundary_arn = local.permissions_boundary_arn
  log_kms_key_arn          = var.platform.observability_key_arn
  tags                     = var.tags
}

module "lambda_service" {
  source = "../lambda_service"
  count  = local.on_lambda ? 1 : 0

  name                 = var.name
  environment_name     = var.platform.environment_name
  image_uri            = "${local.image}-lambda"
  memory_size          = var.capacity.lambda_memory
  reserved_concurrency = var.capacity.lambda_concurrency

  # Lambda sets AWS_REGION itself and refuses a configuration naming it (a reserved variable).
  environment = merge(
    { for name, value in local.environment : name => value if name != "AWS_REGION" },
    var.lambda_environment,
    { SHOPSMART_SERVICE_MODULE = var.module },
  )
  # ARNs only: the function reads the values with its role at run time, so they never reach state.
  secrets                 = local.secret_arns
  secrets_kms_key_arn     = var.platform.secrets_key_arn
  environment_kms_key_arn = var.platform.secrets_key_arn

  table = {
    arn         = module.table.dynamodb_table_arn
    index_names = module.table.dynamodb_table_index_names
    actions     = var.dynamodb_actions
  }

  vpc_id                      = var.platform.vpc_id
  subnet_ids                  = var.platform.private_subnet_ids
  egress_security_groups      = local.peer_egress
  load_balancer_target_groups = local.internal_port == null ? {} : { internal = module.routes.alb_route_target_group_arns["internal"] }
  schedules                   = var.schedules
  rollback_alarm_names        = module.monitoring.service_monitoring_rollback_alarm_names
  permissions_boundary_arn    = local.permissions_boundary_arn

  log_kms_key_arn = var.platform.observability_key_arn
  tags            = var.tags
}
