module "network" {
  source = "../../modules/network"

  name               = local.name
  existing_network   = var.existing_network
  availability_zones = var.availability_zones
  single_nat_gateway = var.single_nat_gateway
  log_kms_key_arn    = aws_kms_key.observability.arn
}

module "table" {
  source   = "../../modules/dynamodb_table"
  for_each = local.tables

  name                     = "${local.table_prefix}${each.key}"
  hash_key                 = each.value.hash_key
  range_key                = each.value.range_key
  global_secondary_indexes = each.value.global_secondary_indexes
  ttl_attribute            = each.value.ttl_attribute
  billing_mode             = var.table_billing_mode
  autoscaling              = var.table_autoscaling[each.key]
  deletion_protection      = var.deletion_protection
  point_in_time_recovery   = true
}

module "identity" {
  source = "../../modules/identity"

  name                = local.name
  domain_prefix       = var.cognito_domain_prefix
  callback_urls       = var.sign_in_callback_urls
  logout_urls         = var.sign_in_callback_urls
  deletion_protection = var.deletion_protection
}

# The services' own addresses inside the VPC: one port per service that others call, reached only
# from the callers' security groups. Nothing outside the VPC can route to /internal/*.
module "internal_alb" {
  source = "../../modules/alb"

  name       = "${local.name}-internal"
  internal   = true
  vpc_id     = module.network.network_vpc_id
  subnet_ids = module.network.network_private_subnet_ids

  target_groups = {
    for name in keys(local.internal_services) : name => { target_type = local.on_ecs ? "ip" : "lambda" }
  }
  port_listeners = {
    for name, service in local.internal_services : name => { port = service.internal_port, target_group = name }
  }
  ingress_security_groups = merge(
    { for name, service in module.ecs_service : name => service.service_security_group_id if length(local.services[name].peers) > 0 },
    { for name, function in module.lambda_service : name => function.lambda_security_group_id if length(local.services[name].peers) > 0 },
  )
  deletion_protection = var.deletion_protection
}
