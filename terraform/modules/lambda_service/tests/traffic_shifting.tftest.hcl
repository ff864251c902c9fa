# A release shifts `live` with CodeDeploy and rolls back on the service's alarms; Terraform leaves
# the alias's version to CodeDeploy. `terraform test` with a mocked provider, no AWS.

mock_provider "aws" {
  mock_resource "aws_lambda_function" {
    defaults = {
      arn     = "arn:aws:lambda:eu-west-1:123456789012:function:shopsmart-test-cart"
      version = "1"
    }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/shopsmart-test-cart-cd-0001" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shopsmart-test-cart" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
}

variables {
  name                    = "cart"
  environment_name        = "test"
  image_uri               = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shopsmart/cart:1.0.0-lambda"
  environment_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-2222-2222-222222222222"
  log_kms_key_arn         = "arn:aws:kms:eu-west-1:123456789012:key/11111111-1111-1111-1111-111111111111"
  vpc_id                  = "vpc-0123456789abcdef0"
  subnet_ids              = ["subnet-0123456789abcdef0"]
  table = {
    arn     = "arn:aws:dynamodb:eu-west-1:123456789012:table/shopsmart-test-carts"
    actions = ["dynamodb:GetItem"]
  }
  rollback_alarm_names = ["shopsmart-test-cart-5xx-rate", "shopsmart-test-cart-function-errors", "shopsmart-test-cart-p99-latency"]
}

run "the_deployment_group_shifts_by_canary_and_rolls_back_on_the_services_alarms" {
  command = apply

  assert {
    condition     = aws_codedeploy_app.this.compute_platform == "Lambda"
    error_message = "The application deploys Lambda versions."
  }

  assert {
    condition     = aws_codedeploy_deployment_group.live.deployment_config_name == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    error_message = "A release sends 10 % of the traffic to the new version for five minutes first."
  }

  assert {
    condition = (
      aws_codedeploy_deployment_group.live.alarm_configuration[0].enabled
      && toset(aws_codedeploy_deployment_group.live.alarm_configuration[0].alarms) == toset(var.rollback_alarm_names)
      && !aws_codedeploy_deployment_group.live.alarm_configuration[0].ignore_poll_alarm_failure
    )
    error_message = "The deployment watches exactly the service's rollback alarms, and an unreadable alarm stops it."
  }

  assert {
    condition = (
      aws_codedeploy_deployment_group.live.auto_rollback_configuration[0].enabled
      && toset(aws_codedeploy_deployment_group.live.auto_rollback_configuration[0].events) == toset(["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"])
    )
    error_message = "An alarm or a failed deployment rolls `live` back."
  }

  assert {
    condition     = aws_codedeploy_deployment_group.live.service_role_arn == aws_iam_role.deployment.arn
    error_message = "The deployment runs as the service's own CodeDeploy role."
  }

  assert {
    condition = (
      toset(data.aws_iam_policy_document.deployment.statement[0].resources) == toset(["arn:aws:lambda:eu-west-1:123456789012:function:shopsmart-test-cart", "arn:aws:lambda:eu-west-1:123456789012:function:shopsmart-test-cart:*"])
      && toset(data.aws_iam_policy_document.deployment.statement[1].resources) == toset([for name in var.rollback_alarm_names : "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}"])
      && toset(data.aws_iam_policy_document.deployment.statement[1].actions) == toset(["cloudwatch:DescribeAlarms"])
    )
    error_message = "The CodeDeploy role reaches this function's aliases and this service's alarms only."
  }

  assert {
    condition     = aws_lambda_alias.live.function_version == "1" && !output.lambda_release.pending
    error_message = "The first apply points `live` at the first version: nothing to shift."
  }

  # The AppSpec the pipeline gives CodeDeploy. That a later apply leaves `live` where it was (and so
  # makes the shift pending) needs the real provider: tests/deploy/test_deploy_lambda_traffic.py.
  assert {
    condition = jsondecode(output.lambda_release.appspec) == {
      version = "0.0"
      Resources = [{
        live = {
          Type       = "AWS::Lambda::Function"
          Properties = { Name = "shopsmart-test-cart", Alias = "live", CurrentVersion = "1", TargetVersion = "1" }
        }
      }]
    }
    error_message = "The AppSpec shifts `live` from the version it serves to the one just published."
  }
}

run "a_deployment_without_an_alarm_is_refused" {
  command = plan

  variables {
    rollback_alarm_names = []
  }

  expect_failures = [var.rollback_alarm_names]
}
