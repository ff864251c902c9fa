# The orders service's own root: everything its team ships. The platform (network, cluster, load
# balancers, identity, keys, alarm topic) comes from the parameter terraform/platform publishes.

data "aws_ssm_parameter" "platform" {
  name = "/shopsmart/${var.environment_name}/platform"
}

locals {
  platform = jsondecode(data.aws_ssm_parameter.platform.insecure_value)

  # The table as orders_service/table.py's TABLE_SPEC defines it (keys, attribute types, indexes, TTL);
  # tests/infrastructure holds this to that spec.
  table = {
    logical_name = "orders"
    hash_key     = { name = "OrderID", type = "S" }
    global_secondary_indexes = [
      { name = "UserOrdersIndex", hash_key = { name = "UserID", type = "S" }, range_key = { name = "OrderDate", type = "S" } },
      # Sparse: only orders with unfinished checkout or cancel steps carry these attributes. Keys
      # only, so updates that leave its keys alone write no entry (README: "from RecoveryIndex
      # to RecoveryDueIndex" is the migration of a deployed table).
      { name = "RecoveryDueIndex", hash_key = { name = "RecoveryShard", type = "S" }, range_key = { name = "RecoveryDue", type = "S" }, projection_type = "KEYS_ONLY" },
    ]
  }

  # Exactly the DynamoDB actions orders_service calls (transactions need the actions of their parts:
  # Put, Update, Delete, ConditionCheck); tests/infrastructure derives them from the code.
  dynamodb_actions = [
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
  ]

  # The service's entry of the public routes table; the priority keeps the table's order.
  public_route = { path_patterns = ["/orders", "/orders/*"], priority = 30 }
}

module "orders" {
  source = "../../modules/shop_service"

  name             = "orders"
  module           = "orders_service"
  platform         = local.platform
  image_tag        = var.image_tag
  table            = local.table
  dynamodb_actions = local.dynamodb_actions
  public_route     = local.public_route
  peers            = ["products", "cart"]
  secrets          = ["SHOPSMART_CURSOR_SECRET", "SHOPSMART_SERVICE_CLIENT_SECRET"]

  # A container resolves stuck checkouts in a background thread; a function on a schedule.
  environment        = { SHOPSMART_RECOVERY_INTERVAL_SECONDS = "60" }
  lambda_environment = { SHOPSMART_RECOVERY_INTERVAL_SECONDS = "0" }
  schedules          = { recovery = { expression = "rate(1 minute)", command = "recover" } }

  capacity            = var.capacity
  table_billing_mode  = var.table_billing_mode
  table_autoscaling   = var.table_autoscaling
  alarm_thresholds    = var.alarm_thresholds
  deletion_protection = var.deletion_protection
}
