# Target tracking on average CPU and, behind a load balancer, on requests per task: sales spikes
# show up as requests before they show up as CPU.

locals {
  scaling_policies = merge(
    {
      cpu = {
        name           = "${local.full_name}-cpu"
        target         = var.autoscaling.cpu_target
        metric         = "ECSServiceAverageCPUUtilization"
        resource_label = null
      }
    },
    var.autoscaling.request_count_resource_label == null ? {} : {
      requests = {
        name           = "${local.full_name}-requests-per-target"
        target         = var.autoscaling.requests_per_target
        metric         = "ALBRequestCountPerTarget"
        resource_label = var.autoscaling.request_count_resource_label
      }
    },
  )
}

resource "aws_appautoscaling_target" "tasks" {
  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster_name}/${aws_ecs_service.this.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.autoscaling.min_capacity
  max_capacity       = var.autoscaling.max_capacity
  tags               = var.tags
}

resource "aws_appautoscaling_policy" "tasks" {
  for_each = local.scaling_policies

  name               = each.value.name
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.tasks.service_namespace
  resource_id        = aws_appautoscaling_target.tasks.resource_id
  scalable_dimension = aws_appautoscaling_target.tasks.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.target
    scale_in_cooldown  = var.autoscaling.scale_in_cooldown
    scale_out_cooldown = var.autoscaling.scale_out_cooldown

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
      resource_label         = each.value.resource_label
    }
  }
}

moved {
  from = aws_appautoscaling_policy.cpu
  to   = aws_appautoscaling_policy.tasks["cpu"]
}

moved {
  from = aws_appautoscaling_policy.requests[0]
  to   = aws_appautoscaling_policy.tasks["requests"]
}
