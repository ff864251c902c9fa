# Copy to production.tfvars and adjust; then:
#   terraform init -backend-config=backend.hcl
#   terraform plan -var-file=production.tfvars
region             = "eu-west-1"
environment_name   = "production"
compute            = "ecs" # or "lambda" for API Gateway + Lambda
availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
image_tag          = "1.0.0"

table_billing_mode = "PROVISIONED" # or "PAY_PER_REQUEST"
table_autoscaling = {
  products = { read_min_capacity = 10, read_max_capacity = 2000, write_min_capacity = 5, write_max_capacity = 500 }
  carts    = { read_min_capacity = 5, read_max_capacity = 1000, write_min_capacity = 5, write_max_capacity = 1000 }
  orders   = { read_min_capacity = 5, read_max_capacity = 1000, write_min_capacity = 5, write_max_capacity = 500 }
}

service_capacity = {
  products = { min_tasks = 3, max_tasks = 40 }
  orders   = { cpu = 1024, memory = 2048 }
}

certificate_arn       = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
cognito_domain_prefix = "shopsmart-production-example"
sign_in_callback_urls = ["https://shop.example.com/"]
alarm_emails          = ["oncall@example.com"]
