# CloudFront in front of the shop: the public load balancer (ECS) or the HTTP API (Lambda). A sale's
# page views are answered at the edge; Origin Shield in the shop's region makes a product that a
# million shoppers open cost the origin about one revalidation per cache lifetime (bench/pages.py).

# CloudFront's web ACL and its logs live in us-east-1 whatever the shop's region.
provider "aws" {
  alias  = "global"
  region = "us-east-1"

  default_tags {
    tags = {
      Project     = "shopsmart"
      Environment = var.environment_name
      ManagedBy   = "terraform"
      Team        = "platform"
    }
  }
}

variable "cdn" {
  description = "The CloudFront distribution in front of the shop: edge locations, the shop's host names (with an ACM certificate in us-east-1), an S3 bucket domain for access logs, and the per-client rate limit."
  type = object({
    price_class           = optional(string, "PriceClass_100")
    aliases               = optional(list(string), [])
    acm_certificate_arn   = optional(string)
    access_logs_bucket    = optional(string)
    requests_per_5_min_ip = optional(number, 2000)
  })
  default = {}
}

module "cdn" {
  source = "../modules/cdn"
  providers = {
    aws        = aws
    aws.global = aws.global
  }

  name = local.name
  origin_domain_name = (
    local.on_ecs ? module.public_alb[0].alb_dns_name : trimprefix(module.http_api[0].http_api_endpoint, "https://")
  )
  # The load balancer serves HTTPS with the shop's certificate, so it gets the viewer's Host.
  forward_host_header   = local.on_ecs
  origin_shield_region  = var.region
  price_class           = var.cdn.price_class
  aliases               = var.cdn.aliases
  acm_certificate_arn   = var.cdn.acm_certificate_arn
  access_logs_bucket    = var.cdn.access_logs_bucket
  requests_per_5_min_ip = var.cdn.requests_per_5_min_ip
}

output "cdn_url" {
  description = "The shop through CloudFront (its *.cloudfront.net name until DNS points the aliases at it)."
  value       = "https://${module.cdn.cdn_domain_name}"
}
