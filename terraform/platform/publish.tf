# What the services' roots need from the platform, published as one SSM parameter that each of
# them reads (`data "aws_ssm_parameter"`). A service team needs read access to this parameter
# only, not to the platform's state, which holds the Cognito client secret; the parameter is the
# contract between the roots, whatever backend or account layout the state lives in.

locals {
  platform_parameter_name = "/shopsmart/${var.environment_name}/platform"

  published = {
    compute          = var.compute
    region           = var.region
    environment_name = var.environment_name
    name             = local.name
    table_prefix     = local.table_prefix

    vpc_id             = module.network.network_vpc_id
    private_subnet_ids = module.network.network_private_subnet_ids

    cluster_arn                 = try(aws_ecs_cluster.this[0].arn, null)
    cluster_name                = try(aws_ecs_cluster.this[0].name, null)
    public_listener_arn         = try(module.public_alb[0].alb_listener_arn, null)
    public_alb_arn_suffix       = try(module.public_alb[0].alb_arn_suffix, null)
    public_alb_security_group   = try(module.public_alb[0].alb_security_group_id, null)
    http_api_id                 = try(module.http_api[0].http_api_id, null)
    http_api_execution_arn      = try(module.http_api[0].http_api_execution_arn, null)
    internal_alb_arn            = module.internal_alb.alb_arn
    internal_alb_security_group = module.internal_alb.alb_security_group_id
    internal_urls               = { for service, port in local.internal_ports : service => "http://${module.internal_alb.alb_dns_name}:${port}" }
    internal_ports              = local.internal_ports

    observability_key_arn = aws_kms_key.observability.arn
    secrets_key_arn       = aws_kms_key.secrets.arn
    alarm_topic_arn       = module.monitoring.monitoring_alarm_topic_arn
    image_repositories    = { for name, repository in aws_ecr_repository.service : name => repository.repository_url }

    # During a rotation (accept_previous_secrets), each signing key's value before the last
    # rotation too, as ECS's reference to its AWSPREVIOUS version (the Lambda handler reads the same).
    secret_arns = merge(
      {
        SHOPSMART_CURSOR_SECRET         = aws_secretsmanager_secret.cursor.arn
        SHOPSMART_GUEST_TOKEN_SECRET    = aws_secretsmanager_secret.guest_token.arn
        SHOPSMART_SERVICE_CLIENT_SECRET = aws_secretsmanager_secret.service_client.arn
      },
      var.accept_previous_secrets ? {
        SHOPSMART_CURSOR_PREVIOUS_SECRET      = "${aws_secretsmanager_secret.cursor.arn}::AWSPREVIOUS:"
        SHOPSMART_GUEST_TOKEN_PREVIOUS_SECRET = "${aws_secretsmanager_secret.guest_token.arn}::AWSPREVIOUS:"
      } : {},
    )
    # Each service's permissions boundary (its team's deploy role makes roles only with it).
    # (by name, not the module's output: each team's role reads this parameter's ARN)
    permissions_boundaries = { for service, name in local.permissions_boundary_names : service => "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:policy/${name}" }
    identity = {
      SHOPSMART_JWKS_URL          = module.identity.identity_jwks_url
      SHOPSMART_JWT_ISSUER        = module.identity.identity_issuer
      SHOPSMART_JWT_AUDIENCE      = module.identity.identity_audience
      SHOPSMART_SERVICE_TOKEN_URL = module.identity.identity_token_url
      SHOPSMART_SERVICE_CLIENT_ID = module.identity.identity_service_client_id
    }
  }
}

resource "aws_ssm_parameter" "platform" {
  name        = local.platform_parameter_name
  description = "ShopSmart ${var.environment_name}: what the services' roots need from the platform (JSON)."
  type        = "String"
  tier        = "Advanced"
  value       = jsonencode(local.published)
}
