variable "region" {
  description = "The AWS region of the whole environment."
  type        = string
}

variable "environment_name" {
  description = "The environment's name, part of table names (\"shopsmart-<environment>-products\") and every resource name."
  type        = string
  default     = "production"

  validation {
    # Load balancer names ("shopsmart-<environment>-internal") have at most 32 characters.
    condition     = can(regex("^[a-z][a-z0-9-]{1,12}$", var.environment_name))
    error_message = "An environment name is 2 to 13 lower-case letters, digits and hyphens."
  }
}

variable "compute" {
  description = "How every service of the environment runs (the services' roots read it from the platform): \"ecs\" (Fargate behind an ALB) or \"lambda\" (functions behind an API Gateway HTTP API, the seed's design)."
  type        = string
  default     = "ecs"

  validation {
    condition     = contains(["ecs", "lambda"], var.compute)
    error_message = "compute is \"ecs\" or \"lambda\"."
  }
}

variable "availability_zones" {
  description = "Availability zones for a created VPC (two or more)."
  type        = list(string)
}

variable "existing_network" {
  description = "An existing VPC and subnets to use instead of creating one."
  type = object({
    vpc_id             = string
    public_subnet_ids  = list(string)
    private_subnet_ids = list(string)
  })
  default = null
}

variable "single_nat_gateway" {
  description = "One NAT gateway instead of one per availability zone."
  type        = bool
  default     = false
}

variable "web_image_tag" {
  description = "The web shop's release (ECS): the gateway image <registry>/shopsmart/gateway:<tag>, which serves the page for every path no service routes."
  type        = string
}

variable "web_capacity" {
  description = "Size and scaling bounds of the web shop's tasks (ECS)."
  type = object({
    cpu       = optional(number, 256)
    memory    = optional(number, 512)
    min_tasks = optional(number, 2)
    max_tasks = optional(number, 6)
  })
  default = {}
}

variable "secret_generation" {
  description = "Generation of the cursor and guest-token signing keys: raising it has Secrets Manager generate new ones (open cursors and guest carts then become invalid)."
  type        = number
  default     = 1

  validation {
    condition     = var.secret_generation >= 1 && floor(var.secret_generation) == var.secret_generation
    error_message = "secret_generation is a whole number from 1."
  }
}

variable "accept_previous_secrets" {
  description = "During a rotation of the signing keys: the services also accept what the keys before the last rotation signed (their AWSPREVIOUS versions), so nobody is signed out. Turn on with the raised secret_generation, off once a week has passed (guest tokens live a week); see the README."
  type        = bool
  default     = false
  nullable    = false

  validation {
    # AWSPREVIOUS exists only once a key has been rotated; ECS would fail to start a task without it.
    condition     = !var.accept_previous_secrets || var.secret_generation > 1
    error_message = "accept_previous_secrets needs a rotated key: raise secret_generation with it."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of the shop's domain: the public load balancer serves HTTPS and redirects HTTP to it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn is an ACM certificate ARN."
  }
}

variable "cognito_domain_prefix" {
  description = "Prefix of the Cognito domain for sign-in and the services' token endpoint (globally unique)."
  type        = string
}

variable "sign_in_callback_urls" {
  description = "The web shop's sign-in callback URLs."
  type        = list(string)
}

variable "cors_allowed_origins" {
  description = "Browser origins allowed to call the HTTP API (Lambda mode) when the page is served elsewhere."
  type        = list(string)
  default     = []
}

variable "alarm_emails" {
  description = "Who is told when an alarm fires."
  type        = list(string)
  default     = []
}

variable "alb_access_logs_bucket" {
  description = "S3 bucket for the public load balancer's access logs, or null."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Protect tables, the user pool and load balancers from deletion; turn off only to tear the environment down."
  type        = bool
  default     = true
}
