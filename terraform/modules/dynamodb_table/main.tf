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

  # Each index as "<hash key>/<range key>/<projection>", to compare with the table's (lifecycle).
  index_shapes = tomap({
    for name, index in local.indexes : name => "${index.hash_key.name}/${try(index.range_key.name, "")}/${index.projection_type}"
  })

  # The UpdateTable arguments that create each index as the spec has it, for the guard's message.
  index_create_requests = {
    for name, index in local.indexes : name => {
      attributes = [
        for key in compact([index.hash_key.name, try(index.range_key.name, "")]) : {
          AttributeName = key
          AttributeType = local.key_attributes[key]
        }
      ]
      index = merge(
        {
          IndexName = name
          KeySchema = concat(
            [{ AttributeName = index.hash_key.name, KeyType = "HASH" }],
            index.range_key == null ? [] : [{ AttributeName = index.range_key.name, KeyType = "RANGE" }],
          )
          Projection = merge(
            { ProjectionType = index.projection_type },
            index.non_key_attributes == null ? {} : { NonKeyAttributes = index.non_key_attributes },
          )
        },
        local.provisioned ? {
          ProvisionedThroughput = {
            ReadCapacityUnits  = var.autoscaling.read_min_capacity
            WriteCapacityUnits = var.autoscaling.write_min_capacity
          }
        } : {},
      )
    }
  }
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
    # Application Auto Scaling owns the capacity of the table and of every index once they exist;
    # Terraform must not set it back on a release (an index cut to its minimum during a sale
    # throttles the writes to its table). The AWS provider cannot ignore an index's capacity alone,
    # so the whole index set is ignored, as terraform-aws-modules' `autoscaled_gsi_ignore` table
    # does, and the postcondition below refuses a plan whose indexes differ from the table's
    # instead of silently leaving a new index out (README: "Adding an index").
    ignore_changes = [read_capacity, write_capacity, global_secondary_index]

    postcondition {
      condition = tomap({
        for index in self.global_secondary_index :
        index.name => "${index.hash_key}/${index.range_key == null ? "" : index.range_key}/${index.projection_type}"
      }) == local.index_shapes
      # The commands that make the table's indexes those of the spec: drop what differs, then create.
      error_message = join("\n", concat(
        [
          "The indexes of ${var.name} differ from its spec, and Terraform leaves a table's indexes to the autoscaler once it exists.",
          "Make the change with UpdateTable, one index at a time (each waits until the previous one is ACTIVE or gone), then plan again (README \"Adding an index\"):",
        ],
        [
          for index in self.global_secondary_index :
          "aws dynamodb update-table --table-name ${var.name} --global-secondary-index-updates '${jsonencode([{ Delete = { IndexName = index.name } }])}'"
          if lookup(local.index_shapes, index.name, "") != "${index.hash_key}/${index.range_key == null ? "" : index.range_key}/${index.projection_type}"
        ],
        [
          for name, request in local.index_create_requests :
          "aws dynamodb update-table --table-name ${var.name} --attribute-definitions '${jsonencode(request.attributes)}' --global-secondary-index-updates '${jsonencode([{ Create = request.index }])}'"
          if !contains([for index in self.global_secondary_index : "${index.name}=${index.hash_key}/${index.range_key == null ? "" : index.range_key}/${index.projection_type}"], "${name}=${local.index_shapes[name]}")
        ],
      ))
    }
  }
}
