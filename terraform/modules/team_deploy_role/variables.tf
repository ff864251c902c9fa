variable "service" {
  description = "The service the team ships (products, cart, orders): its root is terraform/services/<service>, its image repository shopsmart/<service>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.service))
    error_message = "A service name is 2 to 16 lower-case letters and digits."
  }
}

variable "team" {
  description = "The team's Team tag: its root tags everything it makes with it, and its role may change only what carries it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.team)) && var.team != "platform"
    error_message = "A team is 2 to 31 lower-case letters, digits and hyphens, and not \"platform\" (the platform role's)."
  }
}

variable "table" {
  description = "The logical name of the service's table (its TABLE_SPEC; the table is shopsmart-<environment>-<table>)."
  type        = string
}

variable "environment_name" {
  description = "The environment (stage) the role deploys to; part of every name the service's root makes."
  type        = string
}

variable "assume_role_policies" {
  description = "Who may assume each role (trust policy JSON): deploy, the team's release environment on main; plan, its plan environment on pull requests."
  type = object({
    deploy = string
    plan   = string
  })
}

variable "read_actions" {
  description = "The configuration reads (Describe/List/Get, never of data) a plan of the service's root needs, on every resource."
  type        = list(string)
}

variable "state" {
  description = "Where the service root's state lives: the S3 bucket and the object key (backend.hcl's bucket and key)."
  type = object({
    bucket = string
    key    = string
  })
}

variable "image_repository_arn" {
  description = "The ECR repository the team pushes its images to (shopsmart/<service>)."
  type        = string
}

variable "platform" {
  description = "The shared resources the service's root attaches to, which the role may use but not change: the platform parameter, VPC, cluster, load balancers and listeners, internal load balancer's security group, and HTTP API."
  type = object({
    parameter_arn               = string
    vpc_arn                     = string
    cluster_arn                 = optional(string)
    public_listener_arn         = optional(string)
    internal_alb_arn            = string
    internal_alb_security_group = string
    http_api_arn                = optional(string)
  })
}

variable "permissions_boundary_name" {
  description = "The name of the service's permissions boundary policy (the platform publishes its ARN to the service's root)."
  type        = string
}
