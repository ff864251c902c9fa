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

variable "image_uri" {
  description = "The service's Lambda image (docker/lambda/Dockerfile), pinned by tag or digest."
  type        = string
}

variable "memory_size" {
  description = "Memory in MiB; CPU grows with it."
  type        = number
  default     = 1024
}

variable "timeout" {
  description = "Seconds an invocation may run; API Gateway gives up after 30."
  type        = number
  default     = 29
}

variable "reserved_concurrency" {
  description = "Concurrent executions kept for (and capping) this function, so one service cannot starve the others."
  type        = number
  default     = 200
}

variable "environment" {
  description = "Environment variables (SHOPSMART_*); never a secret's value (see secrets)."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Secrets the function reads at run time with its own role: variable name => Secrets Manager ARN, or ECS's reference to one version (`<ARN>::AWSPREVIOUS:`); lambda_handler.py fetches them once per execution environment."
  type        = map(string)
  default     = {}
}

variable "secrets_kms_key_arn" {
  description = "The KMS key encrypting the secrets, which the function's role may decrypt; null when there are no secrets."
  type        = string
  default     = null
}

variable "environment_kms_key_arn" {
  description = "KMS key encrypting the function's environment variables."
  type        = string
}

variable "table" {
  description = "The one DynamoDB table the service owns and the actions its code calls (e.g. dynamodb:GetItem); its indexes are only read (Query, Scan)."
  type = object({
    arn         = string
    index_names = optional(list(string), [])
    actions     = list(string)
  })

  validation {
    condition     = alltrue([for action in var.table.actions : can(regex("^dynamodb:[A-Z][A-Za-z]+$", action))])
    error_message = "Each action is one DynamoDB action, spelled out (no wildcards)."
  }
}

variable "vpc_id" {
  description = "The VPC the function runs in (to reach the internal load balancer)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets with a NAT route (Cognito) and the DynamoDB endpoint."
  type        = list(string)
}

variable "egress_security_groups" {
  description = "Security groups the function may call on the given port (e.g. the internal load balancer), by a name known at plan time."
  type = map(object({
    security_group_id = string
    port              = number
  }))
  default = {}
}

variable "load_balancer_target_groups" {
  description = "Lambda target groups of the internal load balancer this function serves, by a name known at plan time."
  type        = map(string)
  default     = {}
}

variable "schedules" {
  description = "Flask CLI commands run on a schedule, e.g. { recovery = { expression = \"rate(1 minute)\", command = \"recover\" } }."
  type = map(object({
    expression = string
    command    = string
  }))
  default = {}
}

variable "log_retention_days" {
  description = "How long the function's logs (and its EMF metrics lines) are kept."
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

variable "rollback_alarm_names" {
  description = "The service's alarms that stop a traffic shift and put `live` back on the previous version (service_monitoring's rollback alarms)."
  type        = list(string)

  validation {
    condition     = length(var.rollback_alarm_names) > 0
    error_message = "A traffic shift needs at least one alarm to roll back on."
  }
}

variable "deployment_config_name" {
  description = "How CodeDeploy shifts `live` to a new version: one of its Lambda configurations (canary, linear or all at once)."
  type        = string
  default     = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
  nullable    = false

  validation {
    condition = contains([
      for name in [
        "AllAtOnce", "Canary10Percent5Minutes", "Canary10Percent10Minutes", "Canary10Percent15Minutes",
        "Canary10Percent30Minutes", "Linear10PercentEvery1Minute", "Linear10PercentEvery2Minutes",
        "Linear10PercentEvery3Minutes", "Linear10PercentEvery10Minutes",
      ] : "CodeDeployDefault.Lambda${name}"
    ], var.deployment_config_name)
    error_message = "deployment_config_name is one of CodeDeploy's Lambda configurations, e.g. CodeDeployDefault.LambdaCanary10Percent5Minutes."
  }
}

variable "permissions_boundary_arn" {
  description = "The permissions boundary every role of the service carries (its team's, made by the platform); null for none."
  type        = string
  default     = null
}
