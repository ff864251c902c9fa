terraform {
  # 1.11: the signing keys are written write-only (secret_string_wo), never stored in state.
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "shopsmart"
      Environment = var.environment_name
      ManagedBy   = "terraform"
      Team        = "platform"
    }
  }
}
