# Internet-facing only: AWS managed rules and a per-client rate limit in front of the shop (the
# shop's one web ACL definition, modules/waf_acl).

module "web_acl" {
  source = "../waf_acl"
  count  = var.web_acl.enabled ? 1 : 0

  name                  = var.name
  description           = "Managed protections and a per-client rate limit for ${var.name}"
  scope                 = "REGIONAL"
  requests_per_5_min_ip = var.web_acl.requests_per_5_min_ip
  log_retention_days    = var.log_retention_days
  log_kms_key_arn       = var.log_kms_key_arn
  tags                  = var.tags
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.web_acl.enabled ? 1 : 0

  resource_arn = aws_lb.this.arn
  web_acl_arn  = module.web_acl[0].waf_acl_arn
}

# Where these lived before modules/waf_acl: an apply moves them in state, never replaces them.
moved {
  from = aws_wafv2_web_acl.this[0]
  to   = module.web_acl[0].aws_wafv2_web_acl.this
}

moved {
  from = aws_cloudwatch_log_group.waf[0]
  to   = module.web_acl[0].aws_cloudwatch_log_group.this
}

moved {
  from = aws_wafv2_web_acl_logging_configuration.this[0]
  to   = module.web_acl[0].aws_wafv2_web_acl_logging_configuration.this
}
