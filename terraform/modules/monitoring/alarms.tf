# The shop's entrance as a whole: 5xx the load balancer or API answers itself (no healthy target,
# timeouts) count here; each service's own alarms live in its root (modules/service_monitoring).

locals {
  entrance_alarms = merge(
    {
      for load_balancer in local.load_balancers : "load-balancer-5xx-rate" => {
        expression = "IF(requests >= ${var.alarm_thresholds.min_requests}, 100 * (FILL(target_5xx, 0) + FILL(entrance_5xx, 0)) / requests, 0)"
        namespace  = "AWS/ApplicationELB"
        metrics    = { requests = "RequestCount", target_5xx = "HTTPCode_Target_5XX_Count", entrance_5xx = "HTTPCode_ELB_5XX_Count" }
        dimensions = { LoadBalancer = load_balancer.arn_suffix }
      }
    },
    {
      for api in local.http_apis : "http-api-5xx-rate" => {
        expression = "IF(requests >= ${var.alarm_thresholds.min_requests}, 100 * FILL(entrance_5xx, 0) / requests, 0)"
        namespace  = "AWS/ApiGateway"
        metrics    = { requests = "Count", entrance_5xx = "5xx" }
        dimensions = { ApiId = api.api_id, Stage = api.stage }
      }
    },
  )
}

resource "aws_cloudwatch_metric_alarm" "entrance_errors" {
  for_each = local.entrance_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = "More than ${var.alarm_thresholds.error_rate_percent}% of the shop's requests end in a 5xx."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_thresholds.error_rate_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags

  metric_query {
    id          = "error_rate"
    expression  = each.value.expression
    label       = "5xx percent"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = each.value.metrics
    content {
      id = metric_query.key

      metric {
        namespace   = each.value.namespace
        metric_name = metric_query.value
        dimensions  = each.value.dimensions
        period      = 60
        stat        = "Sum"
      }
    }
  }
}
