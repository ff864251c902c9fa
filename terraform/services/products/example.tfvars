# Copy to production.tfvars and adjust (see README.md "Deploying to AWS").
region           = "eu-west-1"
environment_name = "production"
team             = "catalogue"
image_tag        = "1.0.0"

capacity           = { min_tasks = 3, max_tasks = 40 }
table_billing_mode = "PROVISIONED" # or "PAY_PER_REQUEST"
table_autoscaling  = { read_min_capacity = 10, read_max_capacity = 2000, write_min_capacity = 5, write_max_capacity = 500 }
