terraform {
  # 1.10+ for the S3 backend's use_lockfile (backend.hcl.example), 1.11 as the platform root.
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}

# Service and Team on everything this root makes, so cost and ownership follow the team.
provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "shopsmart"
      Environment = var.environment_name
      ManagedBy   = "terraform"
      Service     = "products"
      Team        = var.team
    }
  }
}
