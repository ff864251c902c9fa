variable "name" {
  description = "Name of the user pool (e.g. \"shopsmart-production\")."
  type        = string
}

variable "domain_prefix" {
  description = "Prefix of the Cognito domain serving sign-in and the OAuth2 token endpoint (globally unique)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.domain_prefix))
    error_message = "A Cognito domain prefix is lower-case letters, digits and hyphens."
  }
}

variable "callback_urls" {
  description = "Where the web shop receives the user after sign-in (HTTPS, or http://localhost for development)."
  type        = list(string)
}

variable "logout_urls" {
  description = "Where the web shop receives the user after sign-out."
  type        = list(string)
  default     = []
}

variable "resource_server_identifier" {
  description = "Identifier of the ShopSmart API resource server; scopes are \"<identifier>/<scope>\"."
  type        = string
  default     = "shopsmart"
}

variable "internal_scope" {
  description = "The scope granting service-to-service access to /internal/* (service_kit.auth.INTERNAL_SCOPE is \"shopsmart/internal\")."
  type        = string
  default     = "internal"
}

variable "deletion_protection" {
  description = "Refuse to delete the user pool (and its users) while on."
  type        = bool
  default     = true
}

variable "mfa" {
  description = "Multi-factor authentication: OFF, OPTIONAL or ON."
  type        = string
  default     = "OPTIONAL"

  validation {
    condition     = contains(["OFF", "OPTIONAL", "ON"], var.mfa)
    error_message = "mfa is OFF, OPTIONAL or ON."
  }
}

variable "tags" {
  description = "Tags for the user pool."
  type        = map(string)
  default     = {}
}
