variable "name" {
  description = "Name of the distribution's cache policy and web ACL (letters, digits and hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,100}$", var.name))
    error_message = "A name is 1 to 100 letters, digits and hyphens."
  }
}

variable "origin_domain_name" {
  description = "The origin's host name: the public load balancer's DNS name, or the HTTP API's host."
  type        = string
}

variable "origin_protocol_policy" {
  description = "How CloudFront reaches the origin: \"https-only\" (a certificate on the origin) or \"http-only\"."
  type        = string
  default     = "https-only"

  validation {
    condition     = contains(["https-only", "http-only"], var.origin_protocol_policy)
    error_message = "origin_protocol_policy is \"https-only\" or \"http-only\"."
  }
}

variable "origin_shield_region" {
  description = "The Origin Shield region: every edge's miss goes through this one cache, so the origin sees one revalidation per TTL per page; the shop's own region is best."
  type        = string
}

variable "max_ttl_seconds" {
  description = "The longest CloudFront keeps an answer whatever the origin says; the origin's Cache-Control decides below it."
  type        = number
  default     = 86400
}

variable "price_class" {
  description = "Which edge locations serve the shop (PriceClass_100, PriceClass_200 or PriceClass_All)."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class is PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "aliases" {
  description = "The shop's own host names served by the distribution (need acm_certificate_arn)."
  type        = list(string)
  default     = []
}

variable "acm_certificate_arn" {
  description = "ACM certificate in us-east-1 for the aliases; null uses CloudFront's own *.cloudfront.net certificate."
  type        = string
  default     = null
}

variable "access_logs_bucket" {
  description = "Domain name of the S3 bucket for CloudFront's access logs (e.g. logs.s3.amazonaws.com); null keeps none."
  type        = string
  default     = null
}

variable "requests_per_5_min_ip" {
  description = "Requests one client address may make in five minutes before the web ACL blocks it."
  type        = number
  default     = 2000
}

variable "log_retention_days" {
  description = "How long the web ACL's logs are kept."
  type        = number
  default     = 365
}

variable "log_kms_key_arn" {
  description = "KMS key (in us-east-1) for the web ACL's log group; null uses CloudWatch's own encryption."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}

variable "forward_host_header" {
  description = "Send the viewer's Host to the origin: true for the load balancer (its certificate names the shop's host), false for API Gateway (which routes on its own host name)."
  type        = bool
}
