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
  description = "The ECS cluster and service names and the task count's maximum, or null when the service runs on Lambda."
  type = object({
    cluster_name = string
    service_name = string
    max_tasks    = number
  })
  default = null
}

variable "lambda_function" {
  description = "The service's function and its reserved concurrency, or null when it runs on ECS."
  type = object({
    name                 = string
    reserved_concurrency = number
  })
  default = null
}

variable "table_capacity" {
  description = "The scaler's maximum read and write capacity of the table and each index, or null for an on-demand table."
  type = object({
    read_max  = number
    write_max = number
  })
  default = null
}

variable "alarm_thresholds" {
  description = "When alarms fire: throttled requests per minute, 5xx percent of requests, p99 latency in seconds, and the requests a minute below which the 5xx rate reads 0."
  type = object({
    throttled_requests = number
    error_rate_percent = number
    p99_latency        = number
    min_requests       = number
  })
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
