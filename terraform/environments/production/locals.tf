locals {
  on_ecs       = var.compute == "ecs"
  on_lambda    = var.compute == "lambda"
  name         = "shopsmart-${var.environment_name}"
  table_prefix = "${local.name}-"

  # The tables as libs/dynamo_common/dynamo_common/tables.py defines them (keys, attribute types,
  # indexes, TTL); tests/infrastructure holds this to those specs.
  tables = {
    products = {
      hash_key  = { name = "ProductID", type = "S" }
      range_key = null
      global_secondary_indexes = [
        { name = "CategoryIndex", hash_key = { name = "Category", type = "S" }, range_key = { name = "Name", type = "S" } },
        # Sparse: only RESERVED reservations carry these attributes (the sweep of orphaned ones).
        { name = "HeldReservationsIndex", hash_key = { name = "HeldShard", type = "S" }, range_key = { name = "HeldSince", type = "S" } },
      ]
      ttl_attribute = null
    }
    carts = {
      hash_key                 = { name = "UserID", type = "S" }
      range_key                = { name = "ProductID", type = "S" }
      global_secondary_indexes = []
      ttl_attribute            = "ExpiresAt"
    }
    orders = {
      hash_key  = { name = "OrderID", type = "S" }
      range_key = null
      global_secondary_indexes = [
        { name = "UserOrdersIndex", hash_key = { name = "UserID", type = "S" }, range_key = { name = "OrderDate", type = "S" } },
        # Sparse: only orders with unfinished checkout or cancel steps carry these attributes.
        { name = "RecoveryIndex", hash_key = { name = "RecoveryShard", type = "S" }, range_key = { name = "RecoveryDue", type = "S" } },
      ]
      ttl_attribute = null
    }
  }

  # The public routes table, as gateway/routes.py PUBLIC_ROUTES (ALB syntax). /internal/* is
  # absent on purpose: services reach it through the internal load balancer only.
  public_routes = [
    { service = "products", path_patterns = ["/products", "/products/*", "/categories"] },
    { service = "cart", path_patterns = ["/cart", "/cart/*"] },
    { service = "orders", path_patterns = ["/orders", "/orders/*"] },
  ]
  internal_path_patterns = ["/internal", "/internal/*"]

  # Each service: its package, its table, exactly the DynamoDB actions its repositories call
  # (transactions need the actions of their parts: Put, Update, Delete, ConditionCheck), the
  # internal port others call it on (null: nobody calls it), whom it calls, and its secrets.
  services = {
    products = {
      module        = "products_service"
      table         = "products"
      internal_port = 8001
      peers         = []
      dynamodb_actions = [
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:DescribeTable",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:UpdateItem",
      ]
      uses_cursor_secret       = true
      uses_guest_token_secret  = false
      uses_service_credential  = false
      extra_environment        = {}
      lambda_extra_environment = {}
      schedules                = {}
    }
    cart = {
      module        = "cart_service"
      table         = "carts"
      internal_port = 8002
      peers         = ["products"]
      dynamodb_actions = [
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:DescribeTable",
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
      ]
      uses_cursor_secret       = false
      uses_guest_token_secret  = true
      uses_service_credential  = false
      extra_environment        = {}
      lambda_extra_environment = {}
      schedules                = {}
    }
    orders = {
      module        = "orders_service"
      table         = "orders"
      internal_port = null
      peers         = ["products", "cart"]
      dynamodb_actions = [
        "dynamodb:DeleteItem",
        "dynamodb:DescribeTable",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
      ]
      uses_cursor_secret      = true
      uses_guest_token_secret = false
      uses_service_credential = true
      # A container resolves stuck checkouts in a background thread; a function on a schedule.
      extra_environment        = { SHOPSMART_RECOVERY_INTERVAL_SECONDS = "60" }
      lambda_extra_environment = { SHOPSMART_RECOVERY_INTERVAL_SECONDS = "0" }
      schedules                = { recovery = { expression = "rate(1 minute)", command = "recover" } }
    }
  }

  internal_services = { for name, service in local.services : name => service if service.internal_port != null }

  # What every service is told, whatever runs it.
  common_environment = {
    AWS_REGION             = var.region
    SHOPSMART_TABLE_PREFIX = local.table_prefix
    SHOPSMART_JWKS_URL     = module.identity.identity_jwks_url
    SHOPSMART_JWT_ISSUER   = module.identity.identity_issuer
    SHOPSMART_JWT_AUDIENCE = module.identity.identity_audience
    SHOPSMART_LOG_LEVEL    = "INFO"
    PYTHONUNBUFFERED       = "1"
  }

  service_environment = {
    for name, service in local.services : name => merge(
      local.common_environment,
      service.extra_environment,
      { for peer in service.peers : "SHOPSMART_${upper(peer)}_URL" => module.internal_alb.alb_port_urls[peer] },
      service.uses_service_credential ? {
        SHOPSMART_SERVICE_TOKEN_URL = module.identity.identity_token_url
        SHOPSMART_SERVICE_CLIENT_ID = module.identity.identity_service_client_id
      } : {},
    )
  }

  service_secrets = {
    for name, service in local.services : name => merge(
      service.uses_cursor_secret ? { SHOPSMART_CURSOR_SECRET = aws_secretsmanager_secret.cursor.arn } : {},
      service.uses_guest_token_secret ? { SHOPSMART_GUEST_TOKEN_SECRET = aws_secretsmanager_secret.guest_token.arn } : {},
      service.uses_service_credential ? { SHOPSMART_SERVICE_CLIENT_SECRET = aws_secretsmanager_secret.service_client.arn } : {},
    )
  }

  images = { for name in concat(keys(local.services), ["gateway"]) : name => "${aws_ecr_repository.service[name].repository_url}:${var.image_tag}" }
}
