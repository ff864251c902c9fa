variable "name" {
  description = "The service's name in the shop (products, cart, orders)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "A service name is lower-case letters, digits and hyphens."
  }
}

variable "environment_name" {
  description = "The environment (e.g. production), part of every resource name."
  type        = string
}

variable "cluster_arn" {
  description = "The ECS cluster running the service."
  type        = string
}

variable "cluster_name" {
  description = "The ECS cluster's name (for the autoscaling resource id)."
  type        = string
}

variable "image" {
  description = "The container image, pinned by tag or digest."
  type        = string
}

variable "cpu" {
  description = "Task CPU units (256 = 0.25 vCPU)."
  type        = number
  default     = 512

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.cpu)
    error_message = "Fargate CPU is 256, 512, 1024, 2048 or 4096."
  }
}

variable "memory" {
  description = "Task memory in MiB (must fit Fargate's CPU/memory combinations)."
  type        = number
  default     = 1024
}

variable "container_port" {
  description = "The port gunicorn listens on inside the container."
  type        = number
  default     = 8000
}

variable "command" {
  description = "Override of the image's command, or null for the image's gunicorn command."
  type        = list(string)
  default     = null
}

variable "environment" {
  description = "Plain environment variables (SHOPSMART_*, AWS_REGION)."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Environment variables read from Secrets Manager at start: name => secret ARN, or ECS's reference to one version (`<ARN>::AWSPREVIOUS:`)."
  type        = map(string)
  default     = {}
}

variable "secrets_kms_key_arn" {
  description = "The KMS key encrypting the secrets, which the execution role may decrypt; null when there are no secrets."
  type        = string
  default     = null
}

variable "table" {
  description = "The one DynamoDB table the service owns and the actions its code calls (e.g. dynamodb:GetItem); its indexes are only read (Query, Scan); null for a service without a table."
  type = object({
    arn         = string
    index_names = optional(list(string), [])
    actions     = list(string)
  })
  default = null

  validation {
    condition = var.table == null || alltrue([
      for action in try(var.table.actions, []) : can(regex("^dynamodb:[A-Z][A-Za-z]+$", action))
    ])
    error_message = "Each action is one DynamoDB action, spelled out (no wildcards)."
  }
}

variable "subnet_ids" {
  description = "Private subnets for the tasks."
  type        = list(string)
}

variable "vpc_id" {
  description = "The VPC of the tasks."
  type        = string
}

variable "load_balancers" {
  description = "Target groups the tasks join, by a name known at plan time, with the load balancer security group allowed to reach them."
  type = map(object({
    target_group_arn  = string
    security_group_id = string
  }))
  default = {}
}

variable "egress_security_groups" {
  description = "Security groups the tasks may call on the given port (e.g. the internal load balancer), by a name known at plan time."
  type = map(object({
    security_group_id = string
    port              = number
  }))
  default = {}
}

variable "desired_count" {
  description = "Tasks at creation; autoscaling owns the count afterwards."
  type        = number
  default     = 2
}

variable "autoscaling" {
  description = "Task count bounds and targets: average CPU percent, and ALB requests per target when request_count_resource_label is set."
  type = object({
    min_capacity                 = optional(number, 2)
    max_capacity                 = optional(number, 20)
    cpu_target                   = optional(number, 60)
    requests_per_target          = optional(number, 500)
    request_count_resource_label = optional(string)
    scale_in_cooldown            = optional(number, 120)
    scale_out_cooldown           = optional(number, 30)
  })
  default = {}

  validation {
    condition     = var.autoscaling.min_capacity >= 1 && var.autoscaling.min_capacity <= var.autoscaling.max_capacity
    error_message = "min_capacity is at least 1 and no more than max_capacity."
  }
}

variable "rollback_alarm_names" {
  description = "CloudWatch alarms watched during a deployment: if one fires, ECS rolls the deployment back (the service's 5xx rate and p99 latency)."
  type        = list(string)
  default     = []
}

variable "health_check_grace_period" {
  description = "Seconds a new task has before load balancer health checks count."
  type        = number
  default     = 30
}

variable "log_retention_days" {
  description = "How long the service's logs (and its EMF metrics lines) are kept."
  type        = number
  default     = 365
}

variable "log_kms_key_arn" {
  description = "KMS key encrypting the log group."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary_arn" {
  description = "The permissions boundary every role of the service carries (its team's, made by the platform); null for none."
  type        = string
  default     = null
}
