data "aws_region" "current" {}

locals {
  region = data.aws_region.current.region

  # What service_kit.observability emits per request: namespace, dimensions and metric names.
  service_namespace  = "ShopSmart"
  service_dimensions = ["Service", "Route"]
  service_metrics = {
    latency        = "Latency"
    requests       = "Requests"
    faults         = "Fault"
    client_errors  = "ClientError"
    read_capacity  = "ConsumedReadCapacity"
    write_capacity = "ConsumedWriteCapacity"
    dynamodb_calls = "DynamoDBCalls"
  }
  service_search = "{${local.service_namespace},${join(",", local.service_dimensions)}}"

  table_widgets = flatten([
    for service, table in var.tables : [
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = "${table.name}: read capacity, consumed vs provisioned (units/s)"
          region = local.region
          view   = "timeSeries"
          period = 60
          metrics = concat(
            [
              ["AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", table.name, { id = "consumed", stat = "Sum", visible = false }],
              [{ id = "consumed_per_second", expression = "consumed / PERIOD(consumed)", label = "table consumed" }],
              ["AWS/DynamoDB", "ProvisionedReadCapacityUnits", "TableName", table.name, { stat = "Average", label = "table provisioned" }],
            ],
            [for index in table.index_names : ["AWS/DynamoDB", "ProvisionedReadCapacityUnits", "TableName", table.name, "GlobalSecondaryIndexName", index, { stat = "Average", label = "${index} provisioned" }]],
            [for position, index in table.index_names : ["AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", table.name, "GlobalSecondaryIndexName", index, { id = "index_consumed_${position}", stat = "Sum", visible = false }]],
            [for position, index in table.index_names : [{ id = "index_consumed_per_second_${position}", expression = "index_consumed_${position} / PERIOD(index_consumed_${position})", label = "${index} consumed" }]],
          )
        }
      },
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = "${table.name}: write capacity, consumed vs provisioned (units/s)"
          region = local.region
          view   = "timeSeries"
          period = 60
          metrics = concat(
            [
              ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", table.name, { id = "consumed", stat = "Sum", visible = false }],
              [{ id = "consumed_per_second", expression = "consumed / PERIOD(consumed)", label = "table consumed" }],
              ["AWS/DynamoDB", "ProvisionedWriteCapacityUnits", "TableName", table.name, { stat = "Average", label = "table provisioned" }],
            ],
            [for index in table.index_names : ["AWS/DynamoDB", "ProvisionedWriteCapacityUnits", "TableName", table.name, "GlobalSecondaryIndexName", index, { stat = "Average", label = "${index} provisioned" }]],
            [for position, index in table.index_names : ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", table.name, "GlobalSecondaryIndexName", index, { id = "index_consumed_${position}", stat = "Sum", visible = false }]],
            [for position, index in table.index_names : [{ id = "index_consumed_per_second_${position}", expression = "index_consumed_${position} / PERIOD(index_consumed_${position})", label = "${index} consumed" }]],
          )
        }
      },
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = "${table.name}: throttled requests"
          region = local.region
          view   = "timeSeries"
          stat   = "Sum"
          period = 60
          metrics = concat(
            [
              ["AWS/DynamoDB", "ReadThrottleEvents", "TableName", table.name],
              ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", table.name],
            ],
            # concat(), not flatten(): flatten would also flatten each metric row.
            concat([], [for index in table.index_names : [
              ["AWS/DynamoDB", "ReadThrottleEvents", "TableName", table.name, "GlobalSecondaryIndexName", index],
              ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", table.name, "GlobalSecondaryIndexName", index],
            ]]...),
            [[{ expression = "SEARCH('{AWS/DynamoDB,TableName,Operation} MetricName=\"ThrottledRequests\" TableName=\"${table.name}\"', 'Sum', 60)", label = "throttled" }]],
          )
        }
      },
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = "${table.name}: successful request latency by operation (ms)"
          region = local.region
          view   = "timeSeries"
          period = 60
          metrics = [
            [{ expression = "SEARCH('{AWS/DynamoDB,TableName,Operation} MetricName=\"SuccessfulRequestLatency\" TableName=\"${table.name}\"', 'Average', 60)", label = "" }],
          ]
        }
      },
    ]
  ])

  load_balancer_widgets = var.load_balancer == null ? [] : [
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title  = "Load balancer: requests and errors"
        region = local.region
        view   = "timeSeries"
        stat   = "Sum"
        period = 60
        metrics = [
          ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.load_balancer.arn_suffix],
          ["AWS/ApplicationELB", "HTTPCode_Target_4XX_Count", "LoadBalancer", var.load_balancer.arn_suffix],
          ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", var.load_balancer.arn_suffix],
          ["AWS/ApplicationELB", "HTTPCode_ELB_4XX_Count", "LoadBalancer", var.load_balancer.arn_suffix],
          ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", var.load_balancer.arn_suffix],
        ]
      }
    },
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title  = "Load balancer: target response time p50 / p99 by service (s)"
        region = local.region
        view   = "timeSeries"
        period = 60
        metrics = concat([], [
          for service, target_group in var.load_balancer.target_groups : [
            ["AWS/ApplicationELB", "TargetResponseTime", "TargetGroup", target_group, "LoadBalancer", var.load_balancer.arn_suffix, { stat = "p50", label = "${service} p50" }],
            ["AWS/ApplicationELB", "TargetResponseTime", "TargetGroup", target_group, "LoadBalancer", var.load_balancer.arn_suffix, { stat = "p99", label = "${service} p99" }],
          ]
        ]...)
      }
    },
  ]

  ecs_widgets = var.ecs == null ? [] : [
    for metric in ["CPUUtilization", "MemoryUtilization"] : {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "ECS: ${metric} by service (%)"
        region = local.region
        view   = "timeSeries"
        stat   = "Average"
        period = 60
        metrics = [
          for service, ecs_service in var.ecs.services : ["AWS/ECS", metric, "ClusterName", var.ecs.cluster_name, "ServiceName", ecs_service, { label = service }]
        ]
      }
    }
  ]

  ecs_task_widgets = var.ecs == null ? [] : [
    {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "ECS: running tasks by service"
        region = local.region
        view   = "timeSeries"
        stat   = "Average"
        period = 60
        metrics = [
          for service, ecs_service in var.ecs.services : ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", var.ecs.cluster_name, "ServiceName", ecs_service, { label = service }]
        ]
      }
    }
  ]

  serverless_widgets = var.http_api == null ? [] : [
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title  = "HTTP API: requests, 4xx, 5xx"
        region = local.region
        view   = "timeSeries"
        stat   = "Sum"
        period = 60
        metrics = [
          for metric in ["Count", "4xx", "5xx"] : ["AWS/ApiGateway", metric, "ApiId", var.http_api.api_id, "Stage", var.http_api.stage]
        ]
      }
    },
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title  = "HTTP API: latency p50 / p99 (ms)"
        region = local.region
        view   = "timeSeries"
        period = 60
        metrics = [
          for stat in ["p50", "p99"] : ["AWS/ApiGateway", "Latency", "ApiId", var.http_api.api_id, "Stage", var.http_api.stage, { stat = stat }]
        ]
      }
    },
    {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title  = "Lambda: errors, throttles and concurrency by service"
        region = local.region
        view   = "timeSeries"
        period = 60
        metrics = concat([], [
          for service, function_name in var.lambda_functions : [
            ["AWS/Lambda", "Errors", "FunctionName", function_name, { stat = "Sum", label = "${service} errors" }],
            ["AWS/Lambda", "Throttles", "FunctionName", function_name, { stat = "Sum", label = "${service} throttles" }],
            ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", function_name, { stat = "Maximum", label = "${service} concurrency" }],
          ]
        ]...)
      }
    },
  ]

  # The services' own EMF metrics, summed over every route of a service.
  service_widgets = [
    for key, metric in local.service_metrics : {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "Services: ${metric}${key == "latency" ? " p99 (ms)" : ""}"
        region = local.region
        view   = "timeSeries"
        period = 60
        metrics = [
          for service in var.services : [{
            expression = "${key == "latency" ? "MAX" : "SUM"}(SEARCH('${local.service_search} MetricName=\"${metric}\" Service=\"${service}\"', '${key == "latency" ? "p99" : "Sum"}', 60))"
            label      = service
          }]
        ]
      }
    }
  ]

  dashboard_widgets = concat(
    local.load_balancer_widgets,
    local.serverless_widgets,
    local.service_widgets,
    local.ecs_widgets,
    local.ecs_task_widgets,
    local.table_widgets,
  )
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}
