variable "name" {
  description = "Name of the service's dashboard and prefix of its alarms (e.g. \"shopsmart-production-cart\")."
  type        = string
}

variable "service" {
  description = "The service's name as it labels its EMF metrics (the Service dimension)."
  type        = string
}

variable "table" {
  description = "The service's table: its name and its indexes' names (from dynamodb_table outputs)."
  type = object({
    name        = string
    index_names = list(string)
  })
}

variable "load_balancer" {
  description = "The public load balancer and the service's target group (ARN suffixes), or null when the service runs on Lambda."
  type = object({
    arn_suffix              = string
    target_group_arn_suffix = string
  })
  default = null
}

variable "ecs" {
  description = "The ECS cluster and service names, or null when the service runs on Lambda."
  type = object({
    cluster_name = string
    service_name = string
  })
  default = null
}

variable "lambda_function_name" {
  description = "The service's function, or null when it runs on ECS."
  type        = string
  default     = null
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

variable "alarm_topic_arn" {
  description = "The platform's SNS topic every alarm notifies."
  type        = string
}

variable "tags" {
  description = "Tags for the alarms."
  type        = map(string)
  default     = {}
}
