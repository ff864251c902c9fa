locals {
  alarm_actions = [aws_sns_topic.alarms.arn]

  # Per table: read and write throttle events of the table and of each of its indexes.
  throttle_queries = {
    for name, table in var.tables : name => flatten([
      for metric in ["ReadThrottleEvents", "WriteThrottleEvents"] : concat(
        [{ id = lower("${metric}_table"), metric = metric, dimensions = { TableName = table.name } }],
        [for position, index in table.index_names : {
          id         = lower("${metric}_index_${position}")
          metric     = metric
          dimensions = { TableName = table.name, GlobalSecondaryIndexName = index }
        }],
      )
    ])
  }
}

# Any throttling of a table or one of its indexes: capacity or the scaler's bounds are too low.
resource "aws_cloudwatch_metric_alarm" "table_throttling" {
  for_each = var.tables

  alarm_name          = "${var.name}-${each.key}-table-throttling"
  alarm_description   = "DynamoDB throttled requests on ${each.value.name} or its indexes."
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.alarm_thresholds.throttled_requests
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "throttled"
    expression  = join(" + ", [for query in local.throttle_queries[each.key] : "FILL(${query.id}, 0)"])
    label       = "throttle events"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = local.throttle_queries[each.key]
    content {
      id = metric_query.value.id

      metric {
        namespace   = "AWS/DynamoDB"
        metric_name = metric_query.value.metric
        dimensions  = metric_query.value.dimensions
        period      = 60
        stat        = "Sum"
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "load_balancer_errors" {
  count = var.load_balancer == null ? 0 : 1

  alarm_name          = "${var.name}-5xx-rate"
  alarm_description   = "More than ${var.alarm_thresholds.error_rate_percent}% of requests through the load balancer end in a 5xx."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_thresholds.error_rate_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "error_rate"
    expression  = "100 * (FILL(target_5xx, 0) + FILL(elb_5xx, 0)) / requests"
    label       = "5xx percent"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { requests = "RequestCount", target_5xx = "HTTPCode_Target_5XX_Count", elb_5xx = "HTTPCode_ELB_5XX_Count" }
    content {
      id = metric_query.key

      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = metric_query.value
        dimensions  = { LoadBalancer = var.load_balancer.arn_suffix }
        period      = 60
        stat        = "Sum"
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "target_p99_latency" {
  for_each = var.load_balancer == null ? {} : var.load_balancer.target_groups

  alarm_name          = "${var.name}-${each.key}-p99-latency"
  alarm_description   = "The ${each.key} service's p99 response time is above ${var.alarm_thresholds.p99_latency}s."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  dimensions          = { LoadBalancer = var.load_balancer.arn_suffix, TargetGroup = each.value }
  extended_statistic  = "p99"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_thresholds.p99_latency
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  for_each = var.load_balancer == null ? {} : var.load_balancer.target_groups

  alarm_name          = "${var.name}-${each.key}-unhealthy-hosts"
  alarm_description   = "Some ${each.key} tasks fail their /health/ready check."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = { LoadBalancer = var.load_balancer.arn_suffix, TargetGroup = each.value }
  statistic           = "Maximum"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "http_api_errors" {
  count = var.http_api == null ? 0 : 1

  alarm_name          = "${var.name}-5xx-rate"
  alarm_description   = "More than ${var.alarm_thresholds.error_rate_percent}% of API requests end in a 5xx."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_thresholds.error_rate_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "error_rate"
    expression  = "100 * FILL(errors, 0) / requests"
    label       = "5xx percent"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { requests = "Count", errors = "5xx" }
    content {
      id = metric_query.key

      metric {
        namespace   = "AWS/ApiGateway"
        metric_name = metric_query.value
        dimensions  = { ApiId = var.http_api.api_id, Stage = var.http_api.stage }
        period      = 60
        stat        = "Sum"
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "http_api_p99_latency" {
  count = var.http_api == null ? 0 : 1

  alarm_name          = "${var.name}-p99-latency"
  alarm_description   = "The API's p99 latency is above ${var.alarm_thresholds.p99_latency}s."
  namespace           = "AWS/ApiGateway"
  metric_name         = "Latency"
  dimensions          = { ApiId = var.http_api.api_id, Stage = var.http_api.stage }
  extended_statistic  = "p99"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_thresholds.p99_latency * 1000
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "function_throttles" {
  for_each = var.lambda_functions

  alarm_name          = "${var.name}-${each.key}-function-throttles"
  alarm_description   = "The ${each.key} function hit its reserved concurrency."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 60
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.alarm_thresholds.throttled_requests
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
