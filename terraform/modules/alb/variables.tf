variable "name" {
  description = "The load balancer's name (at most 32 characters)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,32}$", var.name))
    error_message = "A load balancer name is 1 to 32 letters, digits and hyphens."
  }
}

variable "internal" {
  description = "An internal load balancer (private subnets, reachable from the VPC only) instead of an internet-facing one."
  type        = bool
}

variable "vpc_id" {
  description = "The VPC of the load balancer and its targets."
  type        = string
}

variable "subnet_ids" {
  description = "Public subnets for an internet-facing load balancer, private ones for an internal one."
  type        = list(string)
}

variable "certificate_arn" {
  description = "ACM certificate for HTTPS on 443, with port 80 redirecting to it; null serves the path routes over HTTP on 80."
  type        = string
  default     = null
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "ingress_cidr_blocks" {
  description = "Client networks allowed to reach the listeners (e.g. [\"0.0.0.0/0\"] for the shop's public entrance)."
  type        = list(string)
  default     = []
}

variable "target_groups" {
  description = "Target groups by name: ECS tasks (\"ip\") or Lambda functions (\"lambda\"), health-checked on health_check_path."
  type = map(object({
    target_type          = optional(string, "ip")
    port                 = optional(number, 8000)
    health_check_path    = optional(string, "/health/ready")
    deregistration_delay = optional(number, 30)
  }))
  default = {}

  validation {
    condition     = alltrue([for group in values(var.target_groups) : contains(["ip", "lambda"], group.target_type)])
    error_message = "target_type is \"ip\" (Fargate tasks) or \"lambda\"."
  }
}

variable "blocked_path_patterns" {
  description = "Paths the main listener answers with a 404 problem before any route (e.g. [\"/internal\", \"/internal/*\"] on the public entrance)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.blocked_path_patterns) <= 5
    error_message = "An ALB path condition takes at most five patterns."
  }
}

variable "path_routing" {
  description = "Give the load balancer its path-routing listener (HTTPS on 443 with a certificate, else HTTP on 80), which services add their rules to; off for an internal load balancer whose services add listeners on their own ports."
  type        = bool
  default     = true
}

variable "target_port" {
  description = "The port every target listens on (gunicorn in the containers)."
  type        = number
  default     = 8000
}

variable "default_target_group" {
  description = "Target group answering requests no route matches (e.g. the web shop's page); null answers them with a 404 problem."
  type        = string
  default     = null
}

variable "web_acl" {
  description = "Attach a WAF web ACL with AWS managed rules and a per-client rate limit (internet-facing load balancers)."
  type = object({
    enabled               = optional(bool, true)
    requests_per_5_min_ip = optional(number, 2000)
  })
  default = { enabled = false }
}

variable "access_logs_bucket" {
  description = "S3 bucket (with the ELB log delivery policy) receiving access logs, or null for none."
  type        = string
  default     = null
}

variable "log_kms_key_arn" {
  description = "KMS key encrypting the WAF log group."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "How long WAF logs are kept."
  type        = number
  default     = 365
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer while on."
  type        = bool
  default     = true
}

variable "idle_timeout" {
  description = "Seconds an idle connection stays open."
  type        = number
  default     = 60
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
