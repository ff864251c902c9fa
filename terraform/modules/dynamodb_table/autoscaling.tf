# Target tracking on consumed capacity for the table and for every global secondary index, reads and
# writes alike: an index that is not scaled throttles the writes to its table.

resource "aws_appautoscaling_target" "table_read" {
  count = local.provisioned ? 1 : 0

  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.this.name}"
  scalable_dimension = "dynamodb:table:ReadCapacityUnits"
  min_capacity       = var.autoscaling.read_min_capacity
  max_capacity       = var.autoscaling.read_max_capacity
  tags               = var.tags
}

resource "aws_appautoscaling_policy" "table_read" {
  count = local.provisioned ? 1 : 0

  name               = "DynamoDBReadCapacityUtilization:${aws_appautoscaling_target.table_read[0].resource_id}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.table_read[0].service_namespace
  resource_id        = aws_appautoscaling_target.table_read[0].resource_id
  scalable_dimension = aws_appautoscaling_target.table_read[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling.target_utilization
    scale_in_cooldown  = var.autoscaling.scale_in_cooldown
    scale_out_cooldown = var.autoscaling.scale_out_cooldown

    predefined_metric_specification {
      predefined_metric_type = "DynamoDBReadCapacityUtilization"
    }
  }
}

resource "aws_appautoscaling_target" "table_write" {
  count = local.provisioned ? 1 : 0

  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.this.name}"
  scalable_dimension = "dynamodb:table:WriteCapacityUnits"
  min_capacity       = var.autoscaling.write_min_capacity
  max_capacity       = var.autoscaling.write_max_capacity
  tags               = var.tags
}

resource "aws_appautoscaling_policy" "table_write" {
  count = local.provisioned ? 1 : 0

  name               = "DynamoDBWriteCapacityUtilization:${aws_appautoscaling_target.table_write[0].resource_id}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.table_write[0].service_namespace
  resource_id        = aws_appautoscaling_target.table_write[0].resource_id
  scalable_dimension = aws_appautoscaling_target.table_write[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling.target_utilization
    scale_in_cooldown  = var.autoscaling.scale_in_cooldown
    scale_out_cooldown = var.autoscaling.scale_out_cooldown

    predefined_metric_specification {
      predefined_metric_type = "DynamoDBWriteCapacityUtilization"
    }
  }
}

resource "aws_appautoscaling_target" "index_read" {
  for_each = local.provisioned ? local.indexes : {}

  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.this.name}/index/${each.key}"
  scalable_dimension = "dynamodb:index:ReadCapacityUnits"
  min_capacity       = var.autoscaling.read_min_capacity
  max_capacity       = var.autoscaling.read_max_capacity
  tags               = var.tags
}

resource "aws_appautoscaling_policy" "index_read" {
  for_each = aws_appautoscaling_target.index_read

  name               = "DynamoDBReadCapacityUtilization:${each.value.resource_id}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = each.value.service_namespace
  resource_id        = each.value.resource_id
  scalable_dimension = each.value.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling.target_utilization
    scale_in_cooldown  = var.autoscaling.scale_in_cooldown
    scale_out_cooldown = var.autoscaling.scale_out_cooldown

    predefined_metric_specification {
      predefined_metric_type = "DynamoDBReadCapacityUtilization"
    }
  }
}

resource "aws_appautoscaling_target" "index_write" {
  for_each = local.provisioned ? local.indexes : {}

  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.this.name}/index/${each.key}"
  scalable_dimension = "dynamodb:index:WriteCapacityUnits"
  min_capacity       = var.autoscaling.write_min_capacity
  max_capacity       = var.autoscaling.write_max_capacity
  tags               = var.tags
}

resource "aws_appautoscaling_policy" "index_write" {
  for_each = aws_appautoscaling_target.index_write

  name               = "DynamoDBWriteCapacityUtilization:${each.value.resource_id}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = each.value.service_namespace
  resource_id        = each.value.resource_id
  scalable_dimension = each.value.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.autoscaling.target_utilization
    scale_in_cooldown  = var.autoscaling.scale_in_cooldown
    scale_out_cooldown = var.autoscaling.scale_out_cooldown

    predefined_metric_specification {
      predefined_metric_type = "DynamoDBWriteCapacityUtilization"
    }
  }
}
