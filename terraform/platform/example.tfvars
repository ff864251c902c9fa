# Copy to production.tfvars and adjust (see README.md "Deploying to AWS").
region             = "eu-west-1"
environment_name   = "production"
compute            = "ecs" # or "lambda" for API Gateway + Lambda
availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
web_image_tag      = "1.0.0"
web_capacity       = { min_tasks = 2, max_tasks = 6 }

certificate_arn       = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
cognito_domain_prefix = "shopsmart-production-example"
sign_in_callback_urls = ["https://shop.example.com/"]
alarm_emails          = ["oncall@example.com"]

# Who deploys (deploy_roles.tf): the repository whose workflows assume the roles, and the state bucket.
github_repository = "acme/shopsmart"
state_bucket      = "acme-terraform-state"
