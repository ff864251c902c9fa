variable "name" {
  description = "The table's full name, environment prefix included (e.g. \"shopsmart-production-products\")."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.name))
    error_message = "A DynamoDB table name is 3 to 255 characters of letters, digits, '_', '-' and '.'."
  }
}

variable "hash_key" {
  description = "The partition key: attribute name and DynamoDB scalar type (S, N or B)."
  type = object({
    name = string
    type = string
  })

  validation {
    condition     = contains(["S", "N", "B"], var.hash_key.type)
    error_message = "A key attribute's type is S, N or B."
  }
}

variable "range_key" {
  description = "The sort key, or null for a table keyed by its partition key alone."
  type = object({
    name = string
    type = string
  })
  default = null

  validation {
    condition     = var.range_key == null || contains(["S", "N", "B"], try(var.range_key.type, ""))
    error_message = "A key attribute's type is S, N or B."
  }
}

variable "global_secondary_indexes" {
  description = "Global secondary indexes. Their key attributes are declared on the table from these keys."
  type = list(object({
    name = string
    hash_key = object({
      name = string
      type = string
    })
    range_key = optional(object({
      name = string
      type = string
    }))
    projection_type    = optional(string, "ALL")
    non_key_attributes = optional(list(string))
  }))
  default = []

  validation {
    condition = alltrue([
      for index in var.global_secondary_indexes : contains(["ALL", "KEYS_ONLY", "INCLUDE"], index.projection_type)
    ])
    error_message = "projection_type is ALL, KEYS_ONLY or INCLUDE."
  }

  validation {
    condition = alltrue(flatten([
      for index in var.global_secondary_indexes : [
        for key in compact([index.hash_key.type, try(index.range_key.type, "")]) : contains(["S", "N", "B"], key)
      ]
    ]))
    error_message = "A key attribute's type is S, N or B."
  }
}

variable "ttl_attribute" {
  description = "The attribute holding each item's expiry (epoch seconds), or null for no TTL."
  type        = string
  default     = null
}

variable "billing_mode" {
  description = "PROVISIONED (capacity autoscaled by target tracking) or PAY_PER_REQUEST (on demand). Switching is an in-place update."
  type        = string
  default     = "PROVISIONED"

  validation {
    condition     = contains(["PROVISIONED", "PAY_PER_REQUEST"], var.billing_mode)
    error_message = "billing_mode is PROVISIONED or PAY_PER_REQUEST."
  }
}

variable "autoscaling" {
  description = "Capacity bounds and target utilisation (percent) for the table and every index, used when billing_mode is PROVISIONED."
  type = object({
    read_min_capacity  = optional(number, 5)
    read_max_capacity  = optional(number, 500)
    write_min_capacity = optional(number, 5)
    write_max_capacity = optional(number, 200)
    target_utilization = optional(number, 70)
    scale_in_cooldown  = optional(number, 60)
    scale_out_cooldown = optional(number, 30)
  })
  default = {}

  validation {
    condition     = var.autoscaling.target_utilization >= 20 && var.autoscaling.target_utilization <= 90
    error_message = "DynamoDB target tracking accepts a target utilisation from 20 to 90 percent."
  }

  validation {
    condition = (
      var.autoscaling.read_min_capacity >= 1 && var.autoscaling.read_min_capacity <= var.autoscaling.read_max_capacity &&
      var.autoscaling.write_min_capacity >= 1 && var.autoscaling.write_min_capacity <= var.autoscaling.write_max_capacity
    )
    error_message = "Each minimum capacity is at least 1 and no more than its maximum."
  }
}

variable "point_in_time_recovery" {
  description = "Keep continuous backups for point-in-time recovery."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse DeleteTable while on; turn off deliberately before destroying a table."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "A customer managed KMS key for server-side encryption; null creates one for this table."
  type        = string
  default     = null
}

variable "key_user_arns" {
  description = "The roles that read and write the table (the service's task or function role): the created key lets DynamoDB use it on their behalf only."
  type        = list(string)
  default     = []
}

variable "stream_view_type" {
  description = "Enable a DynamoDB stream with this view type (KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES), or null for none."
  type        = string
  default     = null

  validation {
    condition     = var.stream_view_type == null || contains(["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"], coalesce(var.stream_view_type, "KEYS_ONLY"))
    error_message = "stream_view_type is KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES."
  }
}

variable "tags" {
  description = "Tags for the table and its key."
  type        = map(string)
  default     = {}
}
