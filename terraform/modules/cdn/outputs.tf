output "cdn_domain_name" {
  description = "The distribution's host name (point the shop's DNS at it)."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "cdn_distribution_id" {
  description = "The distribution's id (for invalidations and the DistributionId dimension in CloudWatch)."
  value       = aws_cloudfront_distribution.this.id
}

output "cdn_cache_policy_id" {
  description = "The cache policy that honours the origin's Cache-Control and keys on the credentials."
  value       = aws_cloudfront_cache_policy.origin_headers.id
}

output "cdn_web_acl_arn" {
  description = "The CLOUDFRONT-scope web ACL attached to the distribution."
  value       = module.web_acl.waf_acl_arn
}
