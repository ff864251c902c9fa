# The shop's defaults live here, and what a team can get wrong in its root is refused here, before
# anything is planned. `terraform test` with a mocked provider, no AWS.

mock_provider "aws" {
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/shopsmart-test-task" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/shopsmart/test/cart" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/shopsmart-test-cart:1" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/cart/0123456789abcdef", arn_suffix = "targetgroup/cart/0123456789abcdef" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/shopsmart-test-carts" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  name             = "cart"
  module           = "cart_service"
  image_tag        = "1.0.0"
  dynamodb_actions = ["dynamodb:GetItem", "dynamodb:Query"]
  public_route     = { path_patterns = ["/cart", "/cart/*"], priority = 20 }
  table = {
    logical_name = "carts"
    hash_key     = { name = "UserID", type = "S" }
    range_key    = { name = "ProductID", type = "S" }
  }
  platform = {
    compute                     = "ecs"
    region                      = "eu-west-1"
    environment_name            = "test"
    name                        = "shopsmart-test"
    table_prefix                = "shopsmart-test-"
    vpc_id                      = "vpc-0123456789abcdef0"
    private_subnet_ids          = ["subnet-0123456789abcdef0"]
    cluster_arn                 = "arn:aws:ecs:eu-west-1:123456789012:cluster/shopsmart-test"
    cluster_name                = "shopsmart-test"
    public_listener_arn         = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/0123456789abcdef/0123456789abcdef"
    public_alb_arn_suffix       = "app/shop/0123456789abcdef"
    public_alb_security_group   = "sg-0123456789abcdef0"
    http_api_id                 = null
    http_api_execution_arn      = null
    internal_alb_arn            = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/internal/0123456789abcdef"
    internal_alb_security_group = "sg-0123456789abcdef1"
    internal_urls               = { cart = "http://internal:8002" }
    internal_ports              = { cart = 8002 }
    observability_key_arn       = "arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111"
    secrets_key_arn             = "arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-2222-2222-222222222222"
    alarm_topic_arn             = "arn:aws:sns:eu-west-1:123456789012:shopsmart-test-alarms"
    image_repositories          = { cart = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shopsmart/cart" }
    secret_arns                 = {}
    identity = {
      SHOPSMART_JWKS_URL          = "https://idp/jwks"
      SHOPSMART_JWT_ISSUER        = "https://idp"
      SHOPSMART_JWT_AUDIENCE      = "shop"
      SHOPSMART_SERVICE_CLIENT_ID = "services"
    }
  }
}

run "a_root_that_sets_nothing_gets_the_shops_defaults" {
  command = plan

  # What a root passes when its team set nothing: nulls, which take this module's defaults.
  variables {
    capacity            = { cpu = null, max_tasks = null }
    table_billing_mode  = null
    table_autoscaling   = { read_max_capacity = null }
    alarm_thresholds    = { min_requests = null }
    deletion_protection = null
  }

  assert {
    condition     = var.capacity.max_tasks == 20 && var.capacity.cpu == 512 && var.table_billing_mode == "PROVISIONED"
    error_message = "Nulls from a root take the module's defaults."
  }

  assert {
    condition     = var.table_autoscaling.read_max_capacity == 1000 && var.alarm_thresholds.min_requests == 20 && var.deletion_protection
    error_message = "Nulls from a root take the module's defaults."
  }
}

run "more_minimum_tasks_than_maximum_is_refused" {
  command = plan

  variables {
    capacity = { min_tasks = 5, max_tasks = 4 }
  }

  expect_failures = [var.capacity]
}

run "a_cpu_and_memory_fargate_does_not_offer_is_refused" {
  command = plan

  variables {
    capacity = { cpu = 256, memory = 4096 }
  }

  expect_failures = [var.capacity]
}

run "a_table_minimum_above_its_maximum_is_refused" {
  command = plan

  variables {
    table_autoscaling = { read_min_capacity = 50, read_max_capacity = 10 }
  }

  expect_failures = [var.table_autoscaling]
}

run "an_error_rate_above_100_percent_is_refused" {
  command = plan

  variables {
    alarm_thresholds = { error_rate_percent = 150 }
  }

  expect_failures = [var.alarm_thresholds]
}

run "an_image_tag_with_a_slash_is_refused" {
  command = plan

  variables {
    image_tag = "feature/x"
  }

  expect_failures = [var.image_tag]
}

# During a rotation the platform also publishes each signing key's previous version; a service
# that reads the key gets that too, in either compute mode, and nothing it does not read.
run "during_a_rotation_a_service_also_gets_the_previous_key_it_reads" {
  command = plan

  variables {
    secrets = ["SHOPSMART_GUEST_TOKEN_SECRET"]
    platform = merge(var.platform, {
      secret_arns = {
        SHOPSMART_CURSOR_SECRET               = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cursor-AbCdEf"
        SHOPSMART_CURSOR_PREVIOUS_SECRET      = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cursor-AbCdEf::AWSPREVIOUS:"
        SHOPSMART_GUEST_TOKEN_SECRET          = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guest-GhIjKl"
        SHOPSMART_GUEST_TOKEN_PREVIOUS_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guest-GhIjKl::AWSPREVIOUS:"
        SHOPSMART_SERVICE_CLIENT_SECRET       = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:client-MnOpQr"
      }
    })
  }

  assert {
    condition = local.secret_arns == {
      SHOPSMART_GUEST_TOKEN_SECRET          = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guest-GhIjKl"
      SHOPSMART_GUEST_TOKEN_PREVIOUS_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guest-GhIjKl::AWSPREVIOUS:"
    }
    error_message = "The service gets the previous guest-token key it reads, and not the cursor keys it does not."
  }
}

run "on_lambda_the_function_is_given_the_previous_key_too" {
  command = plan

  variables {
    secrets = ["SHOPSMART_GUEST_TOKEN_SECRET"]
    platform = merge(var.platform, {
      compute                = "lambda"
      http_api_id            = "abc123"
      http_api_execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:abc123"
      secret_arns = {
        SHOPSMART_GUEST_TOKEN_SECRET          = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guest-GhIjKl"
        SHOPSMART_GUEST_TOKEN_PREVIOUS_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guest-GhIjKl::AWSPREVIOUS:"
      }
    })
  }

  assert {
    condition = jsondecode(module.lambda_service[0].lambda_secret_references) == {
      SHOPSMART_GUEST_TOKEN_SECRET          = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guest-GhIjKl"
      SHOPSMART_GUEST_TOKEN_PREVIOUS_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guest-GhIjKl::AWSPREVIOUS:"
    }
    error_message = "The handler reads the previous guest-token key (its AWSPREVIOUS version) as well as the current one."
  }
}
