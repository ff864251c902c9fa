variable "api_id" {
  description = "The platform's HTTP API."
  type        = string
}

variable "api_execution_arn" {
  description = "The HTTP API's execution ARN (the source of the Lambda permission)."
  type        = string
}

variable "function" {
  description = "The service's function: its name, the alias the API invokes and that alias's invoke ARN."
  type = object({
    function_name = string
    alias_name    = string
    invoke_arn    = string
  })
}

variable "path_patterns" {
  description = "The service's public paths in ALB syntax (its entry of the public routes table): \"/x\" becomes \"ANY /x\", \"/x/*\" becomes \"ANY /x/{proxy+}\"."
  type        = list(string)

  validation {
    condition     = alltrue([for pattern in var.path_patterns : can(regex("^/[A-Za-z0-9_.-]+(/\\*)?$", pattern))])
    error_message = "A pattern is \"/segment\" or \"/segment/*\"."
  }
}
