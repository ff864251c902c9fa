module "network" {
  source = "../modules/network"

  name               = local.name
  existing_network   = var.existing_network
  availability_zones = var.availability_zones
  single_nat_gateway = var.single_nat_gateway
  log_kms_key_arn    = aws_kms_key.observability.arn
}

module "identity" {
  source = "../modules/identity"

  name                = local.name
  domain_prefix       = var.cognito_domain_prefix
  callback_urls       = var.sign_in_callback_urls
  logout_urls         = var.sign_in_callback_urls
  deletion_protection = var.deletion_protection
}

# The services' own addresses inside the VPC: each called service adds a listener on its port here
# (its root), reached only from its callers' security groups (their roots). Nothing outside the VPC
# can route to /internal/*.
module "internal_alb" {
  source = "../modules/alb"

  name                = "${local.name}-internal"
  internal            = true
  vpc_id              = module.network.network_vpc_id
  subnet_ids          = module.network.network_private_subnet_ids
  path_routing        = false
  deletion_protection = var.deletion_protection
}
