# The products service's own root: everything its team ships. The platform (network, cluster, load
# balancers, identity, keys, alarm topic) comes from the parameter terraform/platform publishes.

data "aws_ssm_parameter" "platform" {
  name = "/shopsmart/${var.environment_name}/platform"
}

locals {
  platform = jsondecode(data.aws_ssm_parameter.platform.insecure_value)

  # The table as products_service/table.py's TABLE_SPEC defines it (keys, attribute types, indexes, TTL);
  # tests/infrastructure holds this to that spec.
  table = {
    logical_name = "products"
    hash_key     = { name = "ProductID", type = "S" }
    global_secondary_indexes = [
      { name = "CategoryIndex", hash_key = { name = "Category", type = "S" }, range_key = { name = "Name", type = "S" } },
      # Sparse: only reservations still held carry these attributes.
      { name = "HeldReservationsIndex", hash_key = { name = "HeldShard", type = "S" }, range_key = { name = "HeldSince", type = "S" } },
    ]
  }

  # Exactly the DynamoDB actions products_service calls (transactions need the actions of their parts:
  # Put, Update, Delete, ConditionCheck); tests/infrastructure derives them from the code.
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

  # The service's entry of the public routes table; the priority keeps the table's order.
  public_route = { path_patterns = ["/products", "/products/*", "/categories"], priority = 10 }
}

module "products" {
  source = "../../modules/shop_service"

  name             = "products"
  module           = "products_service"
  platform         = local.platform
  image_tag        = var.image_tag
  table            = local.table
  dynamodb_actions = local.dynamodb_actions
  public_route     = local.public_route
  peers            = []
  secrets          = ["SHOPSMART_CURSOR_SECRET"]

  capacity            = var.capacity
  table_billing_mode  = var.table_billing_mode
  table_autoscaling   = var.table_autoscaling
  alarm_thresholds    = var.alarm_thresholds
  deletion_protection = var.deletion_protection
}
