# The service's alarms, one resource for all of them: each is a metric math expression over metric
# queries (a single query when no expression is needed), notifying the platform's alarm topic.

locals {
  # The table and each index, by the key their alarms carry.
  table_parts = merge(
    { table = { TableName = var.table.name } },
    { for index in var.table.index_names : "index-${index}" => { TableName = var.table.name, GlobalSecondaryIndexName = index } },
  )

  # The service's own answers (EMF, per Service alone), in both compute modes: a Flask 500 counts
  # here whatever carried it. Below min_requests a minute the rate reads 0, so one failed request
  # at night neither pages nor rolls back a good release.
  service_alarms = {
    "5xx-rate" = {
      description        = "More than ${var.alarm_thresholds.error_rate_percent}% of ${var.service}'s requests end in a 5xx (its own Fault metric), at ${var.alarm_thresholds.min_requests} requests a minute or more."
      comparison         = "GreaterThanThreshold"
      threshold          = var.alarm_thresholds.error_rate_percent
      evaluation_periods = 5
      datapoints         = 3
      expression         = "IF(requests >= ${var.alarm_thresholds.min_requests}, 100 * FILL(faults, 0) / requests, 0)"
      queries = [
        for id, metric in { requests = local.service_metrics.requests, faults = local.service_metrics.faults } : {
          id                         = id
          namespace                  = local.service_namespace
          metric                     = metric
          stat                       = "Sum"
          dimensions                 = { Service = var.service }
        }
      ]
    }
  }

  # Throttled reads and writes, one alarm for the table and one for each index: an index that
  # throttles blocks the writes to its table.
  table_alarms = merge(
    {
      for part, dimensions in local.table_parts : "throttling-${part}" => {
        description        = "DynamoDB throttles requests on ${var.table.name} (${part}): its capacity or the scaler's maximum is too low."
        comparison         = "GreaterThanOrEqualToThreshold"
        threshold          = var.alarm_thresholds.throttled_requests
        evaluation_periods = 3
        datapoints         = 2
        expression         = "FILL(reads, 0) + FILL(writes, 0)"
        queries = [
          for id, metric in { reads = "ReadThrottleEvents", writes = "WriteThrottleEvents" } : {
            id                      = id
            namespace               = "AWS/DynamoDB"
            metric                  = metric
            stat                    = "Sum"
            dimensions              = dimensions
          }
        ]
      }
    },
    # Provisioned only: the scaler has nowhere left to go.
    merge([
      for part, dimensions in local.table_parts : {
        for direction, maximum in var.table_capacity == null ? {} : { Read = var.table_capacity.read_max, Write = var.table_capacity.write_max } :
        "capacity-at-max-${part}-${lower(direction)}" => {
          description        = "${var.table.name} (${part}) ${lower(direction)} capacity is at the scaler's maximum (${maximum}): raise it before it throttles."
          comparison         = "GreaterThanOrEqualToThreshold"
          threshold          = maximum
          evaluation_periods = 3
          datapoints         = 3
          expression         = null
          queries = [{
            id         = "provisioned"
            namespace  = "AWS/DynamoDB"
            metric     = "Provisioned${direction}CapacityUnits"
            stat       = "Maximum"
            dimensions = dimensions
          }]
        }
      }
    ]...),
  )

  # Behind the load balancer (ECS): latency, task health and the task count's ceiling.
  load_balancer_alarms = merge([
    for load_balancer in local.load_balancers : {
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
      no-healthy-hosts = {
        description        = "No ${var.service} task is healthy behind the load balancer: every request to it fails."
        comparison         = "LessThanThreshold"
        threshold          = 1
        evaluation_periods = 2
        datapoints         = 2
        expression         = null
        queries = [{
          id         = "healthy"
          namespace  = "AWS/ApplicationELB"
          metric     = "HealthyHostCount"
          stat       = "Minimum"
          dimensions = { LoadBalancer = load_balancer.arn_suffix, TargetGroup = load_balancer.target_group_arn_suffix }
        }]
      }
    }
  ]...)

  ecs_alarms = merge([
    for ecs in local.ecs_services : {
      tasks-at-max = {
        description        = "${var.service} runs its maximum of ${ecs.max_tasks} tasks: the scaler has nowhere left to go."
        comparison         = "GreaterThanOrEqualToThreshold"
        threshold          = ecs.max_tasks
        evaluation_periods = 3
        datapoints         = 3
        expression         = null
        queries = [{
          id         = "running"
          namespace  = "ECS/ContainerInsights"
          metric     = "RunningTaskCount"
          stat       = "Maximum"
          dimensions = { ClusterName = ecs.cluster_name, ServiceName = ecs.service_name }
        }]
      }
    }
  ]...)

  # On Lambda: invocations that fail outright (crash, timeout: no answer from Flask at all), with
  # the same traffic guard, latency, and the reserved concurrency's ceiling.
  function_alarms = merge([
    for function in local.functions : {
      function-errors = {
        description        = "More than ${var.alarm_thresholds.error_rate_percent}% of ${var.service}'s invocations fail (crash or timeout), at ${var.alarm_thresholds.min_requests} a minute or more."
        comparison         = "GreaterThanThreshold"
        threshold          = var.alarm_thresholds.error_rate_percent
        evaluation_periods = 5
        datapoints         = 3
        expression         = "IF(invocations >= ${var.alarm_thresholds.min_requests}, 100 * FILL(errors, 0) / invocations, 0)"
        queries = [
          for id, metric in { invocations = "Invocations", errors = "Errors" } : {
            id                            = id
            namespace                     = "AWS/Lambda"
            metric                        = metric
            stat                          = "Sum"
            dimensions                    = { FunctionName = function.name, Resource = "${function.name}:live" }
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
          dimensions = { FunctionName = function.name, Resource = "${function.name}:live" }
        }]
      }
      function-throttles = {
        description        = "The ${var.service} function hit its reserved concurrency and refused invocations."
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
          dimensions = { FunctionName = function.name }
        }]
      }
      concurrency-at-max = {
        description        = "${var.service} runs at its reserved concurrency of ${function.reserved_concurrency}: the next request is throttled."
        comparison         = "GreaterThanOrEqualToThreshold"
        threshold          = function.reserved_concurrency
        evaluation_periods = 3
        datapoints         = 3
        expression         = null
        queries = [{
          id         = "concurrency"
          namespace  = "AWS/Lambda"
          metric     = "ConcurrentExecutions"
          stat       = "Maximum"
          dimensions = { FunctionName = function.name }
        }]
      }
    }
  ]...)

  alarms = merge(local.service_alarms, local.table_alarms, local.load_balancer_alarms, local.ecs_alarms, local.function_alarms)
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
