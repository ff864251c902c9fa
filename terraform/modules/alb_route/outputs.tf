output "alb_route_target_group_arns" {
  description = "Target group ARNs by entrance (public, internal), known once their listener or rule forwards to them (ECS requires that)."
  value       = { for entrance, group in aws_lb_target_group.this : entrance => group.arn }
  depends_on  = [aws_lb_listener_rule.public, aws_lb_listener.internal]
}

output "alb_route_target_group_arn_suffixes" {
  description = "Target group ARN suffixes by entrance (the TargetGroup dimension in CloudWatch)."
  value       = { for entrance, group in aws_lb_target_group.this : entrance => group.arn_suffix }
}

output "alb_route_internal_port" {
  description = "The port of the service's internal listener, or null."
  value       = try(aws_lb_listener.internal[0].port, null)
}
