data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  provisioned = var.billing_mode == "PROVISIONED"
  indexes     = { for index in var.global_secondary_indexes : index.name => index }

  # DynamoDB wants exactly the attributes used by a key of the table or of an index.
  key_attributes = merge(
    { (var.hash_key.name) = var.hash_key.type },
    var.range_key == null ? {} : { (var.range_key.name) = var.range_key.type },
    merge([
      for index in var.global_secondary_indexes : merge(
        { (index.hash_key.name) = index.hash_key.type },
        index.range_key == null ? {} : { (index.range_key.name) = index.range_key.type },
      )
    ]...),
  )

  kms_key_arn = coalesce(var.kms_key_arn, try(aws_kms_key.table[0].arn, null))
}

resource "aws_dynamodb_table" "this" {
  name         = var.name
  billing_mode = var.billing_mode
  hash_key     = var.hash_key.name
  range_key    = try(var.range_key.name, null)

  # The scaler owns capacity once the table exists (see lifecycle); these are the starting values.
  read_capacity  = local.provisioned ? var.autoscaling.read_min_capacity : null
  write_capacity = local.provisioned ? var.autoscaling.write_min_capacity : null

  deletion_protection_enabled = var.deletion_protection
  stream_enabled              = var.stream_view_type != null
  stream_view_type            = var.stream_view_type

  dynamic "attribute" {
    for_each = local.key_attributes
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  dynamic "global_secondary_index" {
    for_each = local.indexes
    content {
      name               = global_secondary_index.key
      hash_key           = global_secondary_index.value.hash_key.name
      range_key          = try(global_secondary_index.value.range_key.name, null)
      projection_type    = global_secondary_index.value.projection_type
      non_key_attributes = global_secondary_index.value.non_key_attributes
      read_capacity      = local.provisioned ? var.autoscaling.read_min_capacity : null
      write_capacity     = local.provisioned ? var.autoscaling.write_min_capacity : null
    }
  }

  dynamic "ttl" {
    for_each = var.ttl_attribute == null ? [] : [var.ttl_attribute]
    content {
      enabled        = true
      attribute_name = ttl.value
    }
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }

  tags = var.tags

  lifecycle {
    # Application Auto Scaling changes the table's capacity; Terraform must not set it back.
    # billing_mode stays an in-place update: with these ignored, the provider starts a table that
    # switches to PROVISIONED at the minimum capacity and the scaling targets take it from there.
    ignore_changes = [read_capacity, write_capacity]
  }
}
