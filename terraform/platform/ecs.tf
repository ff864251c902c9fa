# compute = "ecs": the cluster and the public load balancer the services' roots add their rules to.
# Its default action is the web shop's page (the gateway image, dev sign-in off), which the
# platform runs: it is the shop's front door, has no table and calls nobody.

resource "aws_ecs_cluster" "this" {
  count = local.on_ecs ? 1 : 0

  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

module "public_alb" {
  source = "../modules/alb"
  count  = local.on_ecs ? 1 : 0

  name                = local.name
  internal            = false
  vpc_id              = module.network.network_vpc_id
  subnet_ids          = module.network.network_public_subnet_ids
  certificate_arn     = var.certificate_arn
  ingress_cidr_blocks = ["0.0.0.0/0"]

  target_groups        = { web = {} }
  default_target_group = "web"

  # Services' /internal/* paths answer 404 here before any service's rule is considered.
  blocked_path_patterns = ["/internal", "/internal/*"]

  web_acl             = { enabled = true }
  access_logs_bucket  = var.alb_access_logs_bucket
  log_kms_key_arn     = aws_kms_key.observability.arn
  deletion_protection = var.deletion_protection
}

module "web" {
  source = "../modules/service"
  count  = local.on_ecs ? 1 : 0

  name             = "web"
  environment_name = var.environment_name
  cluster_arn      = aws_ecs_cluster.this[0].arn
  cluster_name     = aws_ecs_cluster.this[0].name
  image            = "${aws_ecr_repository.service["gateway"].repository_url}:${var.web_image_tag}"
  cpu              = var.web_capacity.cpu
  memory           = var.web_capacity.memory
  environment = {
    SHOPSMART_FRONTEND_DIR = "/app/frontend"
    SHOPSMART_DEV_SIGN_IN  = "false"
    SHOPSMART_LOG_LEVEL    = "INFO"
    SHOPSMART_WEB_CONFIG   = jsonencode(local.web_config)
  }

  vpc_id     = module.network.network_vpc_id
  subnet_ids = module.network.network_private_subnet_ids
  load_balancers = {
    public = {
      target_group_arn  = module.public_alb[0].alb_target_group_arns["web"]
      security_group_id = module.public_alb[0].alb_security_group_id
    }
  }

  autoscaling = {
    min_capacity                 = var.web_capacity.min_tasks
    max_capacity                 = var.web_capacity.max_tasks
    request_count_resource_label = module.public_alb[0].alb_request_count_resource_labels["web"]
  }
  desired_count   = var.web_capacity.min_tasks
  log_kms_key_arn = aws_kms_key.observability.arn
}
