variable "region" {
  description = "The AWS region of the whole environment."
  type        = string
}

variable "environment_name" {
  description = "The environment's name, part of table names (\"shopsmart-<environment>-products\") and every resource name."
  type        = string
  default     = "production"

  validation {
    # Load balancer names ("shopsmart-<environment>-internal") have at most 32 characters.
    condition     = can(regex("^[a-z][a-z0-9-]{1,12}$", var.environment_name))
    error_message = "An environment name is 2 to 13 lower-case letters, digits and hyphens."
  }
}

variable "compute" {
  description = "How the services run: \"ecs\" (Fargate behind an ALB) or \"lambda\" (functions behind an API Gateway HTTP API, the seed's design)."
  type        = string
  default     = "ecs"

  validation {
    condition     = contains(["ecs", "lambda"], var.compute)
    error_message = "compute is \"ecs\" or \"lambda\"."
  }
}

variable "availability_zones" {
  description = "Availability zones for a created VPC (two or more)."
  type        = list(string)
}

variable "existing_network" {
  description = "An existing VPC and subnets to use instead of creating one."
  type = object({
    vpc_id             = string
    public_subnet_ids  = list(string)
    private_subnet_ids = list(string)
  })
  default = null
}

variable "single_nat_gateway" {
  description = "One NAT gateway instead of one per availability zone."
  type        = bool
  default     = false
}

variable "image_tag" {
  description = "The release to run: images are <registry>/shopsmart/<service>:<tag> (ECS) and :<tag>-lambda (Lambda)."
  type        = string
}

variable "table_billing_mode" {
  description = "PROVISIONED with target-tracking autoscaling, or PAY_PER_REQUEST; switching does not recreate tables."
  type        = string
  default     = "PROVISIONED"

  validation {
    condition     = contains(["PROVISIONED", "PAY_PER_REQUEST"], var.table_billing_mode)
    error_message = "table_billing_mode is PROVISIONED or PAY_PER_REQUEST."
  }
}

variable "table_autoscaling" {
  description = "Capacity bounds and target utilisation per table, applied to the table and each of its indexes (PROVISIONED only)."
  type = object({
    products = optional(object({ read_min_capacity = optional(number, 5), read_max_capacity = optional(number, 1000), write_min_capacity = optional(number, 5), write_max_capacity = optional(number, 500), target_utilization = optional(number, 70) }), {})
    carts    = optional(object({ read_min_capacity = optional(number, 5), read_max_capacity = optional(number, 1000), write_min_capacity = optional(number, 5), write_max_capacity = optional(number, 1000), target_utilization = optional(number, 70) }), {})
    orders   = optional(object({ read_min_capacity = optional(number, 5), read_max_capacity = optional(number, 1000), write_min_capacity = optional(number, 5), write_max_capacity = optional(number, 500), target_utilization = optional(number, 70) }), {})
  })
  default = {}
}

variable "service_capacity" {
  description = "Size and scaling bounds of each service's tasks (ECS) or functions (Lambda)."
  type = object({
    products = optional(object({ cpu = optional(number, 512), memory = optional(number, 1024), min_tasks = optional(number, 2), max_tasks = optional(number, 30), lambda_memory = optional(number, 1024), lambda_concurrency = optional(number, 300) }), {})
    cart     = optional(object({ cpu = optional(number, 512), memory = optional(number, 1024), min_tasks = optional(number, 2), max_tasks = optional(number, 20), lambda_memory = optional(number, 1024), lambda_concurrency = optional(number, 200) }), {})
    orders   = optional(object({ cpu = optional(number, 512), memory = optional(number, 1024), min_tasks = optional(number, 2), max_tasks = optional(number, 20), lambda_memory = optional(number, 1024), lambda_concurrency = optional(number, 200) }), {})
    web      = optional(object({ cpu = optional(number, 256), memory = optional(number, 512), min_tasks = optional(number, 2), max_tasks = optional(number, 6), lambda_memory = optional(number, 512), lambda_concurrency = optional(number, 50) }), {})
  })
  default = {}
}

variable "certificate_arn" {
  description = "ACM certificate of the shop's domain: the public load balancer serves HTTPS and redirects HTTP to it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn is an ACM certificate ARN."
  }
}

variable "cognito_domain_prefix" {
  description = "Prefix of the Cognito domain for sign-in and the services' token endpoint (globally unique)."
  type        = string
}

variable "sign_in_callback_urls" {
  description = "The web shop's sign-in callback URLs."
  type        = list(string)
}

variable "cors_allowed_origins" {
  description = "Browser origins allowed to call the HTTP API (Lambda mode) when the page is served elsewhere."
  type        = list(string)
  default     = []
}

variable "alarm_emails" {
  description = "Who is told when an alarm fires."
  type        = list(string)
  default     = []
}

variable "alb_access_logs_bucket" {
  description = "S3 bucket for the public load balancer's access logs, or null."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Protect tables, the user pool and load balancers from deletion; turn off only to tear the environment down."
  type        = bool
  default     = true
}
