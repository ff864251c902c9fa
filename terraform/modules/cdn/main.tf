# CloudFront in front of the shop's origin (the public load balancer, or the HTTP API): the
# origin's Cache-Control decides what is cached and for how long, Origin Shield funnels every
# edge's miss through one regional cache, and nothing sent with a credential is ever shared.

locals {
  origin_id = "shop"
  # AWS-managed origin request policies (fixed ids): every viewer header, query string and cookie
  # reaches the origin (Idempotency-Key, If-Match, Content-Type...). The load balancer gets the
  # viewer's Host, so its certificate matches; API Gateway must get its own host name instead.
  all_viewer_policy_id             = "216adef6-5c7f-47e4-b989-5492eafa07d3"
  all_viewer_except_host_policy_id = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
  # CloudFront forwards Authorization on a GET only when the cache key holds it; keying on both
  # credentials also means a request carrying one never shares an entry with anyone else's, and
  # the origin answers it `no-store` (service_kit.http_cache), so it is never stored at all.
  credential_headers = ["Authorization", "X-Guest-Token"]
}

resource "aws_cloudfront_cache_policy" "origin_headers" {
  name    = "${var.name}-origin-headers"
  comment = "Honours the origin's Cache-Control; keys on the query and the credentials"

  # Zero unless the origin says otherwise: an answer without Cache-Control is never cached.
  min_ttl     = 0
  default_ttl = 0
  max_ttl     = var.max_ttl_seconds

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true

    cookies_config {
      cookie_behavior = "none"
    }

    headers_config {
      header_behavior = "whitelist"
      headers {
        items = local.credential_headers
      }
    }

    query_strings_config {
      query_string_behavior = "all"
    }
  }
}

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_310:One origin (the load balancer or the HTTP API, itself multi-AZ); there is no second origin to fail over to.
  #checkov:skip=CKV_AWS_374:The shop sells wherever it ships; no country is refused at the edge.
  #checkov:skip=CKV2_AWS_32:The origin sets the security headers itself (the gateway's page headers); a response headers policy would define them twice.
  #checkov:skip=CKV2_AWS_46:The origin is a load balancer or an HTTP API, not an S3 bucket.
  #checkov:skip=CKV2_AWS_47:The web ACL (waf.tf, modules/waf_acl) carries AWSManagedRulesKnownBadInputsRuleSet, the Log4j rules (CKV_AWS_192 passes on it); checkov does not follow web_acl_id to it.
  #checkov:skip=CKV_AWS_305:The origin answers / with the web shop's page itself.
  enabled         = true
  comment         = "${var.name}: the shop behind CloudFront"
  is_ipv6_enabled = true
  http_version    = "http2and3"
  price_class     = var.price_class
  aliases         = var.aliases
  web_acl_id      = module.web_acl.waf_acl_arn
  tags            = var.tags
  # A change reaches every edge in minutes; nothing downstream waits for it.
  wait_for_deployment = false

  origin {
    origin_id   = local.origin_id
    domain_name = var.origin_domain_name

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = var.origin_protocol_policy
      origin_ssl_protocols   = ["TLSv1.2"]
    }

    origin_shield {
      enabled              = true
      origin_shield_region = var.origin_shield_region
    }
  }

  default_cache_behavior {
    target_origin_id         = local.origin_id
    viewer_protocol_policy   = "redirect-to-https"
    allowed_methods          = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods           = ["GET", "HEAD"]
    cache_policy_id          = aws_cloudfront_cache_policy.origin_headers.id
    origin_request_policy_id = var.forward_host_header ? local.all_viewer_policy_id : local.all_viewer_except_host_policy_id
    compress                 = true
  }

  dynamic "logging_config" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]

    content {
      bucket          = logging_config.value
      include_cookies = false
      prefix          = "cloudfront/${var.name}/"
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.acm_certificate_arn == null
    acm_certificate_arn            = var.acm_certificate_arn
    ssl_support_method             = var.acm_certificate_arn == null ? null : "sni-only"
    minimum_protocol_version       = var.acm_certificate_arn == null ? "TLSv1" : "TLSv1.2_2021"
  }
}
