variable "name" {
  description = "The service's name in the shop (products, cart, orders)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "A service name is lower-case letters, digits and hyphens."
  }
}

variable "vpc_id" {
  description = "The VPC of the tasks (ignored for Lambda targets)."
  type        = string
}

variable "target_type" {
  description = "\"ip\" for Fargate tasks, \"lambda\" for a function."
  type        = string
  default     = "ip"

  validation {
    condition     = contains(["ip", "lambda"], var.target_type)
    error_message = "target_type is \"ip\" (Fargate tasks) or \"lambda\"."
  }
}

variable "target_port" {
  description = "The port the tasks listen on."
  type        = number
  default     = 8000
}

variable "health_check_path" {
  description = "Readiness path the load balancer checks."
  type        = string
  default     = "/health/ready"
}

variable "deregistration_delay" {
  description = "Seconds a leaving task keeps serving its requests in flight."
  type        = number
  default     = 30
}

variable "public" {
  description = "The public path rule: the platform's routing listener, the service's path patterns (ALB syntax, one to five) and the rule's priority; null for no public entrance."
  type = object({
    listener_arn  = string
    path_patterns = list(string)
    priority      = number
  })
  default = null

  validation {
    condition     = var.public == null || (length(try(var.public.path_patterns, [])) >= 1 && length(try(var.public.path_patterns, [])) <= 5)
    error_message = "An ALB path condition takes one to five patterns."
  }

  validation {
    # Priority 1 is the platform's rule that blocks /internal/* before any service's rule.
    condition     = var.public == null || try(var.public.priority > 1 && var.public.priority < 50000, false)
    error_message = "A rule's priority is between 2 and 49999 (1 belongs to the platform)."
  }
}

variable "internal" {
  description = "The service's own address inside the VPC: the internal load balancer and the port its callers use; null when nobody calls the service."
  type = object({
    load_balancer_arn = string
    port              = number
  })
  default = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
