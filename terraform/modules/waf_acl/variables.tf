variable "name" {
  description = "The web ACL's name, the prefix of its rules' metrics and the suffix of its log group (aws-waf-logs-<name>)."
  type        = string
}

variable "description" {
  description = "What the web ACL protects."
  type        = string
}

variable "scope" {
  description = "REGIONAL (a load balancer, an API) or CLOUDFRONT (a distribution; the provider must be in us-east-1)."
  type        = string

  validation {
    condition     = contains(["REGIONAL", "CLOUDFRONT"], var.scope)
    error_message = "scope is REGIONAL or CLOUDFRONT."
  }
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
  description = "KMS key (in the provider's region) for the log group; null uses CloudWatch's own encryption."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
