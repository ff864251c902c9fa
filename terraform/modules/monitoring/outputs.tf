output "monitoring_dashboard_name" {
  description = "The CloudWatch dashboard's name."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "monitoring_dashboard_url" {
  description = "The dashboard in the CloudWatch console."
  value       = "https://${local.region}.console.aws.amazon.com/cloudwatch/home?region=${local.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.this.dashboard_name}"
}

output "monitoring_alarm_topic_arn" {
  description = "The SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}
