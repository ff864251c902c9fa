variable "name" {
  description = "The service's name in the shop (products, cart, orders): its EMF Service dimension, image repository and resource names."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "A service name is lower-case letters, digits and hyphens."
  }
}

variable "module" {
  description = "The service's Python package, whose create_app() the image runs (e.g. cart_service)."
  type        = string
}

variable "platform" {
  description = "What the platform root publishes in its SSM parameter (see terraform/platform/publish.tf)."
  type = object({
    compute                     = string
    region                      = string
    environment_name            = string
    name                        = string
    table_prefix                = string
    vpc_id                      = string
    private_subnet_ids          = list(string)
    cluster_arn                 = string
    cluster_name                = string
    public_listener_arn         = string
    public_alb_arn_suffix       = string
    public_alb_security_group   = string
    http_api_id                 = string
    http_api_execution_arn      = string
    internal_alb_arn            = string
    internal_alb_security_group = string
    internal_urls               = map(string)
    internal_ports              = map(number)
    observability_key_arn       = string
    secrets_key_arn             = string
    alarm_topic_arn             = string
    image_repositories          = map(string)
    secret_arns                 = map(string)
    identity                    = map(string)
    permissions_boundaries      = optional(map(string), {})
  })

  validation {
    condition     = contains(["ecs", "lambda"], var.platform.compute)
    error_message = "The platform's compute is \"ecs\" or \"lambda\"."
  }
}

variable "image_tag" {
  description = "The service's release: images <registry>/shopsmart/<service>:<tag> (ECS) and :<tag>-lambda (Lambda)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,120}$", var.image_tag))
    error_message = "An image tag is letters, digits, '_', '.' and '-', at most 121 characters."
  }
}

variable "table" {
  description = "The service's table as its package's table spec defines it: logical name, keys, indexes, TTL attribute."
  type = object({
    logical_name = string
    hash_key     = object({ name = string, type = string })
    range_key    = optional(object({ name = string, type = string }))
    global_secondary_indexes = optional(list(object({
      name      = string
      hash_key  = object({ name = string, type = string })
      range_key = optional(object({ name = string, type = string }))
      # What the index projects (modules/dynamodb_table's values); every attribute by default.
      projection_type    = optional(string, "ALL")
      non_key_attributes = optional(list(string))
    })), [])
    ttl_attribute = optional(string)
  })
}

variable "dynamodb_actions" {
  description = "Exactly the DynamoDB actions the service's code calls on its table (transactions need the actions of their parts)."
  type        = list(string)
}

variable "public_route" {
  description = "The service's entry of the public routes table: its path patterns (ALB syntax) and the listener rule's priority (the table's order)."
  type = object({
    path_patterns = list(string)
    priority      = number
  })
}

variable "peers" {
  description = "The services this one calls on /internal/* through the internal load balancer."
  type        = list(string)
  default     = []
}

variable "secrets" {
  description = "The platform's secrets the service reads, by variable (SHOPSMART_CURSOR_SECRET, SHOPSMART_GUEST_TOKEN_SECRET, SHOPSMART_SERVICE_CLIENT_SECRET)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.secrets : contains(["SHOPSMART_CURSOR_SECRET", "SHOPSMART_GUEST_TOKEN_SECRET", "SHOPSMART_SERVICE_CLIENT_SECRET"], name)])
    error_message = "A secret is SHOPSMART_CURSOR_SECRET, SHOPSMART_GUEST_TOKEN_SECRET or SHOPSMART_SERVICE_CLIENT_SECRET."
  }
}

variable "environment" {
  description = "Further SHOPSMART_* settings of the service, whatever runs it."
  type        = map(string)
  default     = {}
}

variable "lambda_environment" {
  description = "Settings that differ on Lambda (e.g. no background recovery thread)."
  type        = map(string)
  default     = {}
}

variable "schedules" {
  description = "Flask CLI commands run on a schedule on Lambda (a container runs them in a thread)."
  type = map(object({
    expression = string
    command    = string
  }))
  default = {}
}

variable "capacity" {
  description = "Size and scaling bounds of the service's tasks (ECS) or function (Lambda). The defaults here are the shop's, for every root."
  type = object({
    cpu                = optional(number, 512)
    memory             = optional(number, 1024)
    min_tasks          = optional(number, 2)
    max_tasks          = optional(number, 20)
    lambda_memory      = optional(number, 1024)
    lambda_concurrency = optional(number, 200)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.capacity.min_tasks >= 1 && var.capacity.min_tasks <= var.capacity.max_tasks
    error_message = "capacity.min_tasks is at least 1 and no more than capacity.max_tasks."
  }

  # Fargate's CPU and memory pairs: 256 → 512, 1024 or 2048 MiB; 512 → 1–4 GiB; 1024 → 2–8 GiB;
  # 2048 → 4–16 GiB; 4096 → 8–30 GiB, in 1 GiB steps.
  validation {
    condition = (
      contains([256, 512, 1024, 2048, 4096], var.capacity.cpu)
      && var.capacity.memory >= lookup({ "256" = 512, "512" = 1024, "1024" = 2048, "2048" = 4096, "4096" = 8192 }, tostring(var.capacity.cpu), 0)
      && var.capacity.memory <= lookup({ "256" = 2048, "512" = 4096, "1024" = 8192, "2048" = 16384, "4096" = 30720 }, tostring(var.capacity.cpu), 0)
      && (var.capacity.memory % 1024 == 0 || (var.capacity.cpu == 256 && var.capacity.memory == 512))
    )
    error_message = "capacity.cpu and capacity.memory are one of Fargate's pairs: 256 with 512/1024/2048, 512 with 1024–4096, 1024 with 2048–8192, 2048 with 4096–16384, 4096 with 8192–30720 (MiB, 1024 steps)."
  }

  validation {
    condition     = var.capacity.lambda_memory >= 128 && var.capacity.lambda_memory <= 10240 && var.capacity.lambda_concurrency >= 1
    error_message = "capacity.lambda_memory is 128 to 10240 MiB and capacity.lambda_concurrency at least 1."
  }
}

variable "table_billing_mode" {
  description = "PROVISIONED with target-tracking autoscaling, or PAY_PER_REQUEST; switching does not recreate the table."
  type        = string
  default     = "PROVISIONED"
  nullable    = false

  validation {
    condition     = contains(["PROVISIONED", "PAY_PER_REQUEST"], var.table_billing_mode)
    error_message = "table_billing_mode is PROVISIONED or PAY_PER_REQUEST."
  }
}

variable "table_autoscaling" {
  description = "Capacity bounds and target utilisation, for the table and each of its indexes (PROVISIONED only). The defaults here are the shop's, for every root."
  type = object({
    read_min_capacity  = optional(number, 5)
    read_max_capacity  = optional(number, 1000)
    write_min_capacity = optional(number, 5)
    write_max_capacity = optional(number, 500)
    target_utilization = optional(number, 70)
  })
  default  = {}
  nullable = false

  validation {
    condition = (
      var.table_autoscaling.read_min_capacity >= 1 && var.table_autoscaling.read_min_capacity <= var.table_autoscaling.read_max_capacity
      && var.table_autoscaling.write_min_capacity >= 1 && var.table_autoscaling.write_min_capacity <= var.table_autoscaling.write_max_capacity
    )
    error_message = "Each table_autoscaling minimum is at least 1 and no more than its maximum."
  }

  validation {
    condition     = var.table_autoscaling.target_utilization >= 20 && var.table_autoscaling.target_utilization <= 90
    error_message = "table_autoscaling.target_utilization is 20 to 90 percent (DynamoDB target tracking)."
  }
}

variable "alarm_thresholds" {
  description = "When the service's alarms fire: throttled requests per minute, 5xx percent, p99 latency in seconds, and the requests a minute below which the 5xx rate reads 0 (one failure at night is not a 50 % error rate). The defaults here are the shop's."
  type = object({
    throttled_requests = optional(number, 1)
    error_rate_percent = optional(number, 1)
    p99_latency        = optional(number, 1.5)
    min_requests       = optional(number, 20)
  })
  default  = {}
  nullable = false

  validation {
    condition = (
      var.alarm_thresholds.throttled_requests >= 1
      && var.alarm_thresholds.error_rate_percent > 0 && var.alarm_thresholds.error_rate_percent < 100
      && var.alarm_thresholds.p99_latency > 0 && var.alarm_thresholds.p99_latency < 30
      && var.alarm_thresholds.min_requests >= 1
    )
    error_message = "alarm_thresholds: throttled_requests and min_requests at least 1, error_rate_percent between 0 and 100, p99_latency between 0 and 30 seconds (API Gateway's limit)."
  }
}

variable "deletion_protection" {
  description = "Protect the table from deletion; turn off only to tear the service down."
  type        = bool
  default     = true
  nullable    = false
}

variable "tags" {
  description = "Tags for every resource (the root's provider adds Service and Team to all of them)."
  type        = map(string)
  default     = {}
}
