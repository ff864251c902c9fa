# compute = "ecs": Fargate services behind the public load balancer, which routes exactly the public
# routes table; the web shop's page comes from the gateway image for every other path.

resource "aws_ecs_cluster" "this" {
  count = local.on_ecs ? 1 : 0

  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

module "public_alb" {
  source = "../../modules/alb"
  count  = local.on_ecs ? 1 : 0

  name                = local.name
  internal            = false
  vpc_id              = module.network.network_vpc_id
  subnet_ids          = module.network.network_public_subnet_ids
  certificate_arn     = var.certificate_arn
  ingress_cidr_blocks = ["0.0.0.0/0"]

  target_groups        = { for name in concat(keys(local.services), ["web"]) : name => {} }
  routes               = [for route in local.public_routes : { target_group = route.service, path_patterns = route.path_patterns }]
  default_target_group = "web"

  # Services' /internal/* paths answer 404 here even if a route ever overlapped them.
  blocked_path_patterns = local.internal_path_patterns

  web_acl             = { enabled = true }
  access_logs_bucket  = var.alb_access_logs_bucket
  log_kms_key_arn     = aws_kms_key.observability.arn
  deletion_protection = var.deletion_protection
}

module "ecs_service" {
  source   = "../../modules/service"
  for_each = local.on_ecs ? local.services : {}

  name             = each.key
  environment_name = var.environment_name
  cluster_arn      = aws_ecs_cluster.this[0].arn
  cluster_name     = aws_ecs_cluster.this[0].name
  image            = local.images[each.key]
  cpu              = var.service_capacity[each.key].cpu
  memory           = var.service_capacity[each.key].memory

  environment         = local.service_environment[each.key]
  secrets             = local.service_secrets[each.key]
  secrets_kms_key_arn = aws_kms_key.secrets.arn

  table = {
    arn     = module.table[each.value.table].dynamodb_table_arn
    actions = each.value.dynamodb_actions
  }

  vpc_id     = module.network.network_vpc_id
  subnet_ids = module.network.network_private_subnet_ids
  load_balancers = merge(
    {
      public = {
        target_group_arn  = module.public_alb[0].alb_target_group_arns[each.key]
        security_group_id = module.public_alb[0].alb_security_group_id
      }
    },
    each.value.internal_port == null ? {} : {
      internal = {
        target_group_arn  = module.internal_alb.alb_target_group_arns[each.key]
        security_group_id = module.internal_alb.alb_security_group_id
      }
    },
  )
  egress_security_groups = {
    for peer in each.value.peers : peer => {
      security_group_id = module.internal_alb.alb_security_group_id
      port              = local.services[peer].internal_port
    }
  }

  autoscaling = {
    min_capacity                 = var.service_capacity[each.key].min_tasks
    max_capacity                 = var.service_capacity[each.key].max_tasks
    request_count_resource_label = module.public_alb[0].alb_request_count_resource_labels[each.key]
  }
  desired_count   = var.service_capacity[each.key].min_tasks
  log_kms_key_arn = aws_kms_key.observability.arn
}

# The web shop's page (the gateway image, dev sign-in off); it has no table and calls nobody.
module "web" {
  source = "../../modules/service"
  count  = local.on_ecs ? 1 : 0

  name             = "web"
  environment_name = var.environment_name
  cluster_arn      = aws_ecs_cluster.this[0].arn
  cluster_name     = aws_ecs_cluster.this[0].name
  image            = local.images["gateway"]
  cpu              = var.service_capacity.web.cpu
  memory           = var.service_capacity.web.memory
  environment = {
    SHOPSMART_FRONTEND_DIR = "/app/frontend"
    SHOPSMART_DEV_SIGN_IN  = "false"
    SHOPSMART_LOG_LEVEL    = "INFO"
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
    min_capacity                 = var.service_capacity.web.min_tasks
    max_capacity                 = var.service_capacity.web.max_tasks
    request_count_resource_label = module.public_alb[0].alb_request_count_resource_labels["web"]
  }
  desired_count   = var.service_capacity.web.min_tasks
  log_kms_key_arn = aws_kms_key.observability.arn
}
