data "aws_region" "current" {}

locals {
  region          = data.aws_region.current.name
  load_balancers  = var.load_balancer == null ? [] : [var.load_balancer]
  http_apis       = var.http_api == null ? [] : [var.http_api]
  service_metrics = { latency = "Latency", requests = "Requests", faults = "Fault", client_errors = "ClientError" }
  # service_kit.observability's namespace and dimensions; each service's dashboard shows the rest.
  service_search = "{ShopSmart,Service,Route}"

  # For over zero- or one-element lists, not conditionals: the two branches' widgets are objects
  # of different types, which a conditional cannot return.
  load_balancer_widgets = [
    for load_balancer in local.load_balancers : {
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
          for metric in ["RequestCount", "HTTPCode_Target_4XX_Count", "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_4XX_Count", "HTTPCode_ELB_5XX_Count"] :
          ["AWS/ApplicationELB", metric, "LoadBalancer", load_balancer.arn_suffix]
        ]
      }
    }
  ]

  http_api_widgets = flatten([
    for api in local.http_apis : [
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
            for metric in ["Count", "4xx", "5xx"] : ["AWS/ApiGateway", metric, "ApiId", api.api_id, "Stage", api.stage]
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
            for stat in ["p50", "p99"] : ["AWS/ApiGateway", "Latency", "ApiId", api.api_id, "Stage", api.stage, { stat = stat }]
          ]
        }
      },
    ]
  ])

  # Every service side by side, summed over its routes; each service's own dashboard has the detail.
  service_widgets = [
    for key, metric in local.service_metrics : {
      type   = "metric"
      width  = 6
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
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({ widgets = concat(local.load_balancer_widgets, local.http_api_widgets, local.service_widgets) })
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
