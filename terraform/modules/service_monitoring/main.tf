data "aws_region" "current" {}

locals {
  region          = data.aws_region.current.name
  load_balancers  = var.load_balancer == null ? [] : [var.load_balancer]
  ecs_services    = var.ecs == null ? [] : [var.ecs]
  functions       = var.lambda_function == null ? [] : [var.lambda_function]
  capacity_metric = { read = "Read", write = "Write" }

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

  # The service's own EMF metrics by route: p99 for latency, sums for the rest.
  service_widgets = [
    for key, metric in local.service_metrics : {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "${var.service}: ${metric}${key == "latency" ? " p99 (ms)" : ""} by route"
        region = local.region
        view   = "timeSeries"
        period = 60
        metrics = [[{
          expression = "SEARCH('${local.service_search} MetricName=\"${metric}\" Service=\"${var.service}\"', '${key == "latency" ? "p99" : "Sum"}', 60)"
          label      = ""
        }]]
      }
    }
  ]

  table_widgets = concat(
    [
      for direction, metric in local.capacity_metric : {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = "${var.table.name}: ${direction} capacity, consumed vs provisioned (units/s)"
          region = local.region
          view   = "timeSeries"
          period = 60
          metrics = concat(
            [
              ["AWS/DynamoDB", "Consumed${metric}CapacityUnits", "TableName", var.table.name, { id = "consumed", stat = "Sum", visible = false }],
              [{ id = "consumed_per_second", expression = "consumed / PERIOD(consumed)", label = "table consumed" }],
              ["AWS/DynamoDB", "Provisioned${metric}CapacityUnits", "TableName", var.table.name, { stat = "Average", label = "table provisioned" }],
            ],
            [for index in var.table.index_names : ["AWS/DynamoDB", "Provisioned${metric}CapacityUnits", "TableName", var.table.name, "GlobalSecondaryIndexName", index, { stat = "Average", label = "${index} provisioned" }]],
            [for position, index in var.table.index_names : ["AWS/DynamoDB", "Consumed${metric}CapacityUnits", "TableName", var.table.name, "GlobalSecondaryIndexName", index, { id = "index_consumed_${position}", stat = "Sum", visible = false }]],
            [for position, index in var.table.index_names : [{ id = "index_consumed_per_second_${position}", expression = "index_consumed_${position} / PERIOD(index_consumed_${position})", label = "${index} consumed" }]],
          )
        }
      }
    ],
    [
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = "${var.table.name}: throttled requests"
          region = local.region
          view   = "timeSeries"
          stat   = "Sum"
          period = 60
          metrics = concat(
            [
              ["AWS/DynamoDB", "ReadThrottleEvents", "TableName", var.table.name],
              ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", var.table.name],
            ],
            # concat(), not flatten(): flatten would also flatten each metric row.
            concat([], [for index in var.table.index_names : [
              ["AWS/DynamoDB", "ReadThrottleEvents", "TableName", var.table.name, "GlobalSecondaryIndexName", index],
              ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", var.table.name, "GlobalSecondaryIndexName", index],
            ]]...),
            [[{ expression = "SEARCH('{AWS/DynamoDB,TableName,Operation} MetricName=\"ThrottledRequests\" TableName=\"${var.table.name}\"', 'Sum', 60)", label = "throttled" }]],
          )
        }
      },
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = "${var.table.name}: successful request latency by operation (ms)"
          region = local.region
          view   = "timeSeries"
          period = 60
          metrics = [
            [{ expression = "SEARCH('{AWS/DynamoDB,TableName,Operation} MetricName=\"SuccessfulRequestLatency\" TableName=\"${var.table.name}\"', 'Average', 60)", label = "" }],
          ]
        }
      },
    ],
  )

  # A for over a zero- or one-element list rather than a conditional: the widgets of the two
  # branches would be objects of different types, which a conditional cannot return.
  load_balancer_widgets = flatten([
    for load_balancer in local.load_balancers : [
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = "${var.service}: requests and errors at the load balancer"
          region = local.region
          view   = "timeSeries"
          stat   = "Sum"
          period = 60
          metrics = [
            for metric in ["RequestCount", "HTTPCode_Target_4XX_Count", "HTTPCode_Target_5XX_Count"] :
            ["AWS/ApplicationELB", metric, "TargetGroup", load_balancer.target_group_arn_suffix, "LoadBalancer", load_balancer.arn_suffix]
          ]
        }
      },
      {
        type   = "metric"
        width  = 12
        height = 6
        properties = {
          title  = "${var.service}: target response time p50 / p99 (s)"
          region = local.region
          view   = "timeSeries"
          period = 60
          metrics = [
            for stat in ["p50", "p99"] :
            ["AWS/ApplicationELB", "TargetResponseTime", "TargetGroup", load_balancer.target_group_arn_suffix, "LoadBalancer", load_balancer.arn_suffix, { stat = stat, label = stat }]
          ]
        }
      },
    ]
  ])

  ecs_widgets = [
    for ecs in local.ecs_services : {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title  = "${var.service}: ECS CPU and memory (%), running tasks"
        region = local.region
        view   = "timeSeries"
        stat   = "Average"
        period = 60
        metrics = [
          ["AWS/ECS", "CPUUtilization", "ClusterName", ecs.cluster_name, "ServiceName", ecs.service_name],
          ["AWS/ECS", "MemoryUtilization", "ClusterName", ecs.cluster_name, "ServiceName", ecs.service_name],
          ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", ecs.cluster_name, "ServiceName", ecs.service_name],
        ]
      }
    }
  ]

  function_widgets = [
    for function in local.functions : {
      type   = "metric"
      width  = 12
      height = 6
      properties = {
        title  = "${var.service}: Lambda errors, throttles, concurrency and p99 duration"
        region = local.region
        view   = "timeSeries"
        period = 60
        metrics = [
          ["AWS/Lambda", "Errors", "FunctionName", function.name, { stat = "Sum" }],
          ["AWS/Lambda", "Throttles", "FunctionName", function.name, { stat = "Sum" }],
          ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", function.name, { stat = "Maximum" }],
          ["AWS/Lambda", "Duration", "FunctionName", function.name, { stat = "p99" }],
        ]
      }
    }
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = concat(local.load_balancer_widgets, local.function_widgets, local.service_widgets, local.ecs_widgets, local.table_widgets)
  })
}
