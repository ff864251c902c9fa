output "alb_arn" {
  description = "The load balancer's ARN."
  value       = aws_lb.this.arn
}

output "alb_arn_suffix" {
  description = "The ARN suffix CloudWatch uses as the LoadBalancer dimension."
  value       = aws_lb.this.arn_suffix
}

output "alb_dns_name" {
  description = "The load balancer's DNS name."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "The hosted zone of the DNS name, for alias records."
  value       = aws_lb.this.zone_id
}

output "alb_url" {
  description = "Base URL of the path-routing listener (https when a certificate is set)."
  value       = "${local.https ? "https" : "http"}://${aws_lb.this.dns_name}"
}

output "alb_security_group_id" {
  description = "The load balancer's security group; targets allow their port from it."
  value       = aws_security_group.this.id
}

output "alb_target_group_arns" {
  description = "Target group ARNs by name, known only once the listeners forward to them (ECS requires that)."
  value       = { for name, group in aws_lb_target_group.this : name => group.arn }
  depends_on  = [aws_lb_listener.http, aws_lb_listener.https]
}

output "alb_target_group_arn_suffixes" {
  description = "Target group ARN suffixes by name (the TargetGroup dimension in CloudWatch)."
  value       = { for name, group in aws_lb_target_group.this : name => group.arn_suffix }
}

output "alb_request_count_resource_labels" {
  description = "ALBRequestCountPerTarget resource labels by target group name, for service autoscaling."
  value       = { for name, group in aws_lb_target_group.this : name => "${aws_lb.this.arn_suffix}/${group.arn_suffix}" }
}

output "alb_listener_arn" {
  description = "The path-routing listener (HTTPS, or HTTP without a certificate) that services add their rules to; null without path routing."
  value       = local.routing_listener_arn
}
