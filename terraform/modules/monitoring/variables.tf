variable "name" {
  description = "Name of the dashboard, alarm prefix and topic (e.g. \"shopsmart-production\")."
  type        = string
}

variable "services" {
  description = "Service names as they label their EMF metrics (the Service dimension)."
  type        = list(string)
}

variable "load_balancer" {
  description = "The public load balancer (its ARN suffix), or null when the shop runs on Lambda."
  type = object({
    arn_suffix = string
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

variable "alarm_thresholds" {
  description = "When the entrance alarm fires: 5xx percent of requests, counted from min_requests a minute (below, one failure is not a rate)."
  type = object({
    error_rate_percent = optional(number, 1)
    min_requests       = optional(number, 20)
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
