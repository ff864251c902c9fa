# The service's entrances: its public path rule (ECS) or API routes (Lambda), its own port on the
# internal load balancer when another service calls it, and the way out to the peers it calls.

module "routes" {
  source = "../alb_route"

  name        = var.name
  vpc_id      = var.platform.vpc_id
  target_type = local.on_ecs ? "ip" : "lambda"
  public = local.on_ecs ? {
    listener_arn  = var.platform.public_listener_arn
    path_patterns = var.public_route.path_patterns
    priority      = var.public_route.priority
  } : null
  internal = local.internal_port == null ? null : {
    load_balancer_arn = var.platform.internal_alb_arn
    port              = local.internal_port
  }
  tags = var.tags
}

module "api_routes" {
  source = "../http_api_routes"
  count  = local.on_lambda ? 1 : 0

  api_id            = var.platform.http_api_id
  api_execution_arn = var.platform.http_api_execution_arn
  function = {
    function_name = module.lambda_service[0].lambda_function_name
    alias_name    = module.lambda_service[0].lambda_alias_name
    invoke_arn    = module.lambda_service[0].lambda_invoke_arn
  }
  path_patterns = var.public_route.path_patterns
}

locals {
  peer_egress = {
    for peer in var.peers : peer => {
      security_group_id = var.platform.internal_alb_security_group
      port              = var.platform.internal_ports[peer]
    }
  }
  caller_security_group_id = local.on_ecs ? module.ecs_service[0].service_security_group_id : module.lambda_service[0].lambda_security_group_id
}

# The internal load balancer lets this service in on each peer's port; the caller's root owns the
# rule, so a service nobody calls any more leaves nothing behind on the platform.
resource "aws_vpc_security_group_ingress_rule" "to_peers" {
  for_each = local.peer_egress

  security_group_id            = each.value.security_group_id
  description                  = "${var.name} to ${each.key} on ${each.value.port}"
  referenced_security_group_id = local.caller_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  tags                         = var.tags
}
