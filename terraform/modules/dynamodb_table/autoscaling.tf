# Target tracking on consumed capacity for the table and for every global secondary index, reads and
# writes alike: an index that is not scaled throttles the writes to its table. One target and one
# policy per (table or index, reads or writes), keyed "table:read", "index/CategoryIndex:write", ….

locals {
  scaled_resources = merge(
    { table = { resource_id = "table/${aws_dynamodb_table.this.name}", kind = "table" } },
    { for name in keys(local.indexes) : "index/${name}" => { resource_id = "table/${aws_dynamodb_table.this.name}/index/${name}", kind = "index" } },
  )
  capacity_directions = {
    read = {
      dimension_suffix = "ReadCapacityUnits"
      metric           = "DynamoDBReadCapacityUtilization"
      min_capacity     = var.autoscaling.read_min_capacity
      max_capacity     = var.autoscaling.read_max_capacity
    }
    write = {
      dimension_suffix = "WriteCapacityUnits"
      metric           = "DynamoDBWriteCapacityUtilization"
      min_capacity     = var.autoscaling.write_min_capacity
      max_capacity     = var.autoscaling.write_max_capacity
    }
  }
  scaled_capacities = local.provisioned ? {
    for pair in setproduct(keys(local.scaled_resources), keys(local.capacity_directions)) : "${pair[0]}:${pair[1]}" => merge(
      local.capacity_directions[pair[1]],
      {
        resource_id        = local.scaled_resources[pair[0]].resource_id
        scalable_dimension = "dynamodb:${local.scaled_resources[pair[0]].kind}:${local.capacity_directions[pair[1]].dimension_suffix}"
      },
    )
  } : {}
}

resource "aws_appautoscaling_target" "capacity" {
  for_each = local.scaled_capacities

  service_namespace  = "dynamodb"
  resource_id        = each.value.resource_id
  scalable_dimension = each.value.scalable_dimension
  min_capacity       = each.value.min_capacity
  max_capacity       = each.value.max_capacity
  tags               = var.tags
}

resource "aws_appautoscaling_policy" "capacity" {
  for_each = aws_appautoscaling_target.capacity

  name               = "${local.scaled_capacities[each.key].metric}:${each.value.resource_id}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = each.value.service_namespace
  resource_id        = each.value.resource_id
  scalable_dimension = each.value.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling.target_utilization
    scale_in_cooldown  = var.autoscaling.scale_in_cooldown
    scale_out_cooldown = var.autoscaling.scale_out_cooldown

    predefined_metric_specification {
      predefined_metric_type = local.scaled_capacities[each.key].metric
    }
  }
}

# The table's own pairs were four count resources before; an index's pairs move in the root that
# knows its index names (a moved block takes no expression).
moved {
  from = aws_appautoscaling_target.table_read[0]
  to   = aws_appautoscaling_target.capacity["table:read"]
}

moved {
  from = aws_appautoscaling_policy.table_read[0]
  to   = aws_appautoscaling_policy.capacity["table:read"]
}

moved {
  from = aws_appautoscaling_target.table_write[0]
  to   = aws_appautoscaling_target.capacity["table:write"]
}

moved {
  from = aws_appautoscaling_policy.table_write[0]
  to   = aws_appautoscaling_policy.capacity["table:write"]
}
