variable "table" {
  description = "The one DynamoDB table the service owns and the actions its code calls; its indexes are only read (Query, Scan). Null for no table."
  type = object({
    arn         = string
    index_names = optional(list(string), [])
    actions     = list(string)
  })
  default = null
}

variable "secrets" {
  description = "The secrets the service reads: variable name => Secrets Manager ARN, or ECS's reference `<ARN>:<json key>:<version stage>:<version id>`."
  type        = map(string)
  default     = {}
}

variable "secrets_kms_key_arn" {
  description = "The KMS key encrypting the secrets; null when there are none."
  type        = string
  default     = null

  validation {
    condition     = length(var.secrets) == 0 || var.secrets_kms_key_arn != null
    error_message = "Secrets need the KMS key that encrypts them."
  }
}
