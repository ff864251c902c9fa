variable "name" {
  description = "Name of the dashboard, alarm prefix and topic (e.g. \"shopsmart-production\")."
  type        = string
}

variable "tables" {
  description = "The shop's tables by service: name, index names and billing mode (from dynamodb_table outputs)."
  type = map(object({
    name         = string
    index_names  = list(string)
    billing_mode = string
  }))
}

variable "services" {
  description = "Service names as they label their EMF metrics (the Service dimension)."
  type        = list(string)
}

variable "load_balancer" {
  description = "The public load balancer and its target groups by service (ARN suffixes), or null when the shop runs on Lambda."
  type = object({
    arn_suffix    = string
    target_groups = map(string)
  })
  default = null
}

variable "ecs" {
  description = "The ECS cluster and service names by service, or null when the shop runs on Lambda."
  type = object({
    cluster_name = string
    services     = map(string)
  })
  default = null
}

variable "http_api" {
  description = "The HTTP API (id and stage), or null when the shop runs on ECS."
  type = object({
    api_id = string
    stage  = string
  })
  default = null
}

variable "lambda_functions" {
  description = "Lambda function names by service, empty when the shop runs on ECS."
  type        = map(string)
  default     = {}
}

variable "alarm_thresholds" {
  description = "When alarms fire: throttled requests per minute, 5xx percent of requests, p99 latency in seconds."
  type = object({
    throttled_requests = optional(number, 1)
    error_rate_percent = optional(number, 1)
    p99_latency        = optional(number, 1.5)
  })
  default = {}
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each confirms by email)."
  type        = list(string)
  default     = []
}

variable "kms_key_arn" {
  description = "KMS key encrypting the alarm topic; its policy must let CloudWatch use it."
  type        = string
}

variable "tags" {
  description = "Tags for the topic and alarms."
  type        = map(string)
  default     = {}
}
