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
  default     = "cart"
}

variable "image_tag" {
  description = "The release to run: <registry>/shopsmart/cart:<tag> (ECS) or :<tag>-lambda (Lambda)."
  type        = string
}

# Inputs a team may set in its .tfvars; what it leaves out (or sets to null) takes the default of
# modules/shop_service, the one place each default lives, and is validated there.

variable "capacity" {
  description = "Size and scaling bounds of the tasks (ECS) or function (Lambda); see modules/shop_service for the defaults."
  type = object({
    cpu                = optional(number)
    memory             = optional(number)
    min_tasks          = optional(number)
    max_tasks          = optional(number)
    lambda_memory      = optional(number)
    lambda_concurrency = optional(number)
  })
  default = {}
}

variable "table_billing_mode" {
  description = "PROVISIONED with target-tracking autoscaling, or PAY_PER_REQUEST; null takes the module's default (PROVISIONED)."
  type        = string
  default     = null
}

variable "table_autoscaling" {
  description = "Capacity bounds and target utilisation of the table and each of its indexes (PROVISIONED only); see modules/shop_service for the defaults."
  type = object({
    read_min_capacity  = optional(number)
    read_max_capacity  = optional(number)
    write_min_capacity = optional(number)
    write_max_capacity = optional(number)
    target_utilization = optional(number)
  })
  default = {}
}

variable "alarm_thresholds" {
  description = "When the service's alarms fire (throttled requests a minute, 5xx percent, p99 seconds, minimum requests a minute); see modules/shop_service for the defaults."
  type = object({
    throttled_requests = optional(number)
    error_rate_percent = optional(number)
    p99_latency        = optional(number)
    min_requests       = optional(number)
  })
  default = {}
}

variable "deletion_protection" {
  description = "Protect the table from deletion (null: on); turn off only to tear the service down."
  type        = bool
  default     = null
}
