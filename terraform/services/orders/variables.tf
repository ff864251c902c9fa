variable "region" {
  description = "The AWS region of the environment (the platform's)."
  type        = string
}

variable "environment_name" {
  description = "The environment whose platform this service joins (its parameter is /shopsmart/<environment>/platform)."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,12}$", var.environment_name))
    error_message = "An environment name is 2 to 13 lower-case letters, digits and hyphens."
  }
}

variable "team" {
  description = "The team that owns the service (the Team tag on everything this root makes)."
  type        = string
  default     = "checkout"
}

variable "image_tag" {
  description = "The release to run: <registry>/shopsmart/orders:<tag> (ECS) or :<tag>-lambda (Lambda)."
  type        = string
}

variable "capacity" {
  description = "Size and scaling bounds of the tasks (ECS) or function (Lambda); see modules/shop_service."
  type = object({
    cpu                = optional(number, 512)
    memory             = optional(number, 1024)
    min_tasks          = optional(number, 2)
    max_tasks          = optional(number, 20)
    lambda_memory      = optional(number, 1024)
    lambda_concurrency = optional(number, 200)
  })
  default = {}
}

variable "table_billing_mode" {
  description = "PROVISIONED with target-tracking autoscaling, or PAY_PER_REQUEST; switching does not recreate the table."
  type        = string
  default     = "PROVISIONED"

  validation {
    condition     = contains(["PROVISIONED", "PAY_PER_REQUEST"], var.table_billing_mode)
    error_message = "table_billing_mode is PROVISIONED or PAY_PER_REQUEST."
  }
}

variable "table_autoscaling" {
  description = "Capacity bounds and target utilisation of the table and each of its indexes (PROVISIONED only)."
  type = object({
    read_min_capacity  = optional(number, 5)
    read_max_capacity  = optional(number, 1000)
    write_min_capacity = optional(number, 5)
    write_max_capacity = optional(number, 500)
    target_utilization = optional(number, 70)
  })
  default = {}
}

variable "alarm_thresholds" {
  description = "When the service's alarms fire: throttled requests per minute, 5xx percent, p99 latency in seconds."
  type = object({
    throttled_requests = optional(number, 1)
    error_rate_percent = optional(number, 1)
    p99_latency        = optional(number, 1.5)
  })
  default = {}
}

variable "deletion_protection" {
  description = "Protect the table from deletion; turn off only to tear the service down."
  type        = bool
  default     = true
}
