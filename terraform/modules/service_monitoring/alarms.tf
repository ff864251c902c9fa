# The service's alarms, one resource for all of them: each is a metric math expression over metric
# queries (a single query when no expression is needed), notifying the platform's alarm topic.

locals {
  throttle_queries = flatten([
    for metric in ["ReadThrottleEvents", "WriteThrottleEvents"] : concat(
      [{ id = lower("${metric}_table"), namespace = "AWS/DynamoDB", metric = metric, stat = "Sum", dimensions = { TableName = var.table.name } }],
      [for position, index in var.table.index_names : {
        id         = lower("${metric}_index_${position}")
        namespace  = "AWS/DynamoDB"
        metric     = metric
        stat       = "Sum"
        dimensions = { TableName = var.table.name, GlobalSecondaryIndexName = index }
      }],
    )
  ])

  table_alarms = {
    table-throttling = {
      description        = "DynamoDB throttled requests on ${var.table.name} or its indexes: capacity or the scaler's bounds are too low."
      comparison         = "GreaterThanOrEqualToThreshold"
      threshold          = var.alarm_thresholds.throttled_requests
      evaluation_periods = 3
      datapoints         = 2
      expression         = join(" + ", [for query in local.throttle_queries : "FILL(${query.id}, 0)"])
      queries            = local.throttle_queries
    }
  }

  # Behind the load balancer (ECS): what the deployment watches to roll back, and task health.
  load_balancer_alarms = merge([
    for load_balancer in local.load_balancers : {
      "5xx-rate" = {
        description        = "More than ${var.alarm_thresholds.error_rate_percent}% of ${var.service}'s requests end in a 5xx."
        comparison         = "GreaterThanThreshold"
        threshold          = var.alarm_thresholds.error_rate_percent
        evaluation_periods = 5
        datapoints         = 3
        expression         = "100 * FILL(errors, 0) / requests"
        queries = [
          for id, metric in { requests = "RequestCount", errors = "HTTPCode_Target_5XX_Count" } : {
            id                         = id
            namespace                  = "AWS/ApplicationELB"
            metric                     = metric
            stat                       = "Sum"
            dimensions                 = { LoadBalancer = load_balancer.arn_suffix, TargetGroup = load_balancer.target_group_arn_suffix }
          }
        ]
      }
      p99-latency = {
        description        = "${var.service}'s p99 response time is above ${var.alarm_thresholds.p99_latency}s."
        comparison         = "GreaterThanThreshold"
        threshold          = var.alarm_thresholds.p99_latency
        evaluation_periods = 5
        datapoints         = 3
        expression         = null
        queries = [{
          id         = "p99"
          namespace  = "AWS/ApplicationELB"
          metric     = "TargetResponseTime"
          stat       = "p99"
          dimensions = { LoadBalancer = load_balancer.arn_suffix, TargetGroup = load_balancer.target_group_arn_suffix }
        }]
      }
      unhealthy-hosts = {
        description        = "Some ${var.service} tasks fail their /health/ready check."
        comparison         = "GreaterThanThreshold"
        threshold          = 0
        evaluation_periods = 3
        datapoints         = 3
        expression         = null
        queries = [{
          id         = "unhealthy"
          namespace  = "AWS/ApplicationELB"
          metric     = "UnHealthyHostCount"
          stat       = "Maximum"
          dimensions = { LoadBalancer = load_balancer.arn_suffix, TargetGroup = load_balancer.target_group_arn_suffix }
        }]
      }
    }
  ]...)

  function_alarms = merge([
    for function_name in local.functions : {
      "5xx-rate" = {
        description        = "More than ${var.alarm_thresholds.error_rate_percent}% of ${var.service}'s invocations fail."
        comparison         = "GreaterThanThreshold"
        threshold          = var.alarm_thresholds.error_rate_percent
        evaluation_periods = 5
        datapoints         = 3
        expression         = "100 * FILL(errors, 0) / invocations"
        queries = [
          for id, metric in { invocations = "Invocations", errors = "Errors" } : {
            id                            = id
            namespace                     = "AWS/Lambda"
            metric                        = metric
            stat                          = "Sum"
            dimensions                    = { FunctionName = function_name, Resource = "${function_name}:live" }
          }
        ]
      }
      p99-latency = {
        description        = "${var.service}'s p99 duration is above ${var.alarm_thresholds.p99_latency}s."
        comparison         = "GreaterThanThreshold"
        threshold          = var.alarm_thresholds.p99_latency * 1000
        evaluation_periods = 5
        datapoints         = 3
        expression         = null
        queries = [{
          id         = "p99"
          namespace  = "AWS/Lambda"
          metric     = "Duration"
          stat       = "p99"
          dimensions = { FunctionName = function_name, Resource = "${function_name}:live" }
        }]
      }
      function-throttles = {
        description        = "The ${var.service} function hit its reserved concurrency."
        comparison         = "GreaterThanOrEqualToThreshold"
        threshold          = var.alarm_thresholds.throttled_requests
        evaluation_periods = 3
        datapoints         = 2
        expression         = null
        queries = [{
          id         = "throttles"
          namespace  = "AWS/Lambda"
          metric     = "Throttles"
          stat       = "Sum"
          dimensions = { FunctionName = function_name }
        }]
      }
    }
  ]...)

  alarms = merge(local.table_alarms, local.load_balancer_alarms, local.function_alarms)
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.datapoints
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
  tags                = var.tags

  dynamic "metric_query" {
    for_each = each.value.expression == null ? [] : [each.value.expression]
    content {
      id          = "alarm"
      expression  = metric_query.value
      label       = each.key
      return_data = true
    }
  }

  dynamic "metric_query" {
    for_each = each.value.queries
    content {
      id          = metric_query.value.id
      return_data = each.value.expression == null

      metric {
        namespace   = metric_query.value.namespace
        metric_name = metric_query.value.metric
        dimensions  = metric_query.value.dimensions
        period      = 60
        stat        = metric_query.value.stat
      }
    }
  }
}
