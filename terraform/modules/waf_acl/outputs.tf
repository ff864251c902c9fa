output "waf_acl_arn" {
  description = "The web ACL, to associate with a load balancer or give a distribution as web_acl_id."
  value       = aws_wafv2_web_acl.this.arn
}

output "waf_acl_log_group_name" {
  description = "The log group receiving the web ACL's logs."
  value       = aws_cloudwatch_log_group.this.name
}
