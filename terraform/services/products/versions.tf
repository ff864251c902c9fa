terraform {
  required_version = ">= 1.6.0"

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
