# The edge's own web ACL: CloudFront takes only CLOUDFRONT-scope ACLs, which live in us-east-1;
# the same rules as the load balancer's, from the one definition (modules/waf_acl).

module "web_acl" {
  source = "../waf_acl"
  providers = {
    aws = aws.global
  }

  name                  = "${var.name}-cdn"
  description           = "Managed protections and a per-client rate limit at the edge of ${var.name}"
  scope                 = "CLOUDFRONT"
  requests_per_5_min_ip = var.requests_per_5_min_ip
  log_retention_days    = var.log_retention_days
  log_kms_key_arn       = var.log_kms_key_arn
  tags                  = var.tags
}

# Where these lived before modules/waf_acl: an apply moves them in state, never replaces them.
moved {
  from = aws_wafv2_web_acl.this
  to   = module.web_acl.aws_wafv2_web_acl.this
}

moved {
  from = aws_cloudwatch_log_group.waf
  to   = module.web_acl.aws_cloudwatch_log_group.this
}

moved {
  from = aws_wafv2_web_acl_logging_configuration.this
  to   = module.web_acl.aws_wafv2_web_acl_logging_configuration.this
}
