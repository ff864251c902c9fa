variable "name" {
  description = "The API's name (e.g. \"shopsmart-production\")."
  type        = string
}

variable "cors_allowed_origins" {
  description = "Origins of the web shop allowed to call the API from a browser; empty for same-origin only."
  type        = list(string)
  default     = []
}

variable "throttling" {
  description = "Steady-state requests per second and burst across the API."
  type = object({
    rate_limit  = optional(number, 2000)
    burst_limit = optional(number, 4000)
  })
  default = {}
}

variable "log_retention_days" {
  description = "How long access logs are kept."
  type        = number
  default     = 365
}

variable "log_kms_key_arn" {
  description = "KMS key encrypting the access log group."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
