output "service_monitoring_dashboard_name" {
  description = "The service's CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "service_monitoring_dashboard_url" {
  description = "The service's dashboard in the CloudWatch console."
  value       = "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.this.dashboard_name}"
}

output "service_monitoring_alarm_names" {
  description = "Every alarm of the service, by kind (table-throttling, 5xx-rate, p99-latency, …)."
  value       = { for kind, alarm in aws_cloudwatch_metric_alarm.this : kind => alarm.alarm_name }
}

output "service_monitoring_rollback_alarm_names" {
  description = "The alarms a deployment rolls back on: the service's 5xx rate, its function's failed invocations (Lambda) and p99 latency."
  value       = [for kind in ["5xx-rate", "function-errors", "p99-latency"] : aws_cloudwatch_metric_alarm.this[kind].alarm_name if contains(keys(local.alarms), kind)]
}
