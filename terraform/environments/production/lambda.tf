# compute = "lambda": the seed's design. Each service's create_app() runs in a function through
# apig-wsgi (docker/lambda); an HTTP API routes the public routes table to them, and the internal
# load balancer (Lambda targets) carries the services' calls to one another.

module "lambda_service" {
  source   = "../../modules/lambda_service"
  for_each = local.on_lambda ? local.services : {}

  name                 = each.key
  environment_name     = var.environment_name
  image_uri            = "${local.images[each.key]}-lambda"
  memory_size          = var.service_capacity[each.key].lambda_memory
  reserved_concurrency = var.service_capacity[each.key].lambda_concurrency

  environment = merge(
    local.service_environment[each.key],
    each.value.lambda_extra_environment,
    { SHOPSMART_SERVICE_MODULE = each.value.module },
  )
  sensitive_environment = merge(
    each.value.uses_cursor_secret ? { SHOPSMART_CURSOR_SECRET = random_password.cursor.result } : {},
    each.value.uses_guest_token_secret ? { SHOPSMART_GUEST_TOKEN_SECRET = random_password.guest_token.result } : {},
    each.value.uses_service_credential ? { SHOPSMART_SERVICE_CLIENT_SECRET = module.identity.identity_service_client_secret } : {},
  )
  environment_kms_key_arn = aws_kms_key.secrets.arn

  table = {
    arn     = module.table[each.value.table].dynamodb_table_arn
    actions = each.value.dynamodb_actions
  }

  vpc_id     = module.network.network_vpc_id
  subnet_ids = module.network.network_private_subnet_ids
  egress_security_groups = {
    for peer in each.value.peers : peer => {
      security_group_id = module.internal_alb.alb_security_group_id
      port              = local.services[peer].internal_port
    }
  }
  load_balancer_target_groups = each.value.internal_port == null ? {} : {
    internal = module.internal_alb.alb_target_group_arns[each.key]
  }
  schedules = each.value.schedules

  log_kms_key_arn = aws_kms_key.observability.arn
}

module "http_api" {
  source = "../../modules/http_api"
  count  = local.on_lambda ? 1 : 0

  name = local.name
  functions = {
    for name, function in module.lambda_service : name => {
      function_name = function.lambda_function_name
      invoke_arn    = function.lambda_invoke_arn
    }
  }
  routes               = [for route in local.public_routes : { function = route.service, path_patterns = route.path_patterns }]
  cors_allowed_origins = var.cors_allowed_origins
  log_kms_key_arn      = aws_kms_key.observability.arn
}
