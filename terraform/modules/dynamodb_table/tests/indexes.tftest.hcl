# The table's indexes belong to the autoscaler once the table exists (main.tf, lifecycle): a release
# keeps their capacity, and a plan whose indexes differ from the table's is refused, never applied
# without the index. `terraform test` with a mocked provider, no AWS.

mock_provider "aws" {
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000" }
  }
}

variables {
  name     = "shopsmart-test-orders"
  hash_key = { name = "OrderID", type = "S" }
  global_secondary_indexes = [
    { name = "UserOrdersIndex", hash_key = { name = "UserID", type = "S" }, range_key = { name = "OrderDate", type = "S" } },
  ]
}

run "a_new_table_gets_every_index_at_the_minimum_capacity" {
  assert {
    condition     = [for index in aws_dynamodb_table.this.global_secondary_index : index.name] == ["UserOrdersIndex"]
    error_message = "The table is created with the spec's index."
  }

  assert {
    condition     = alltrue([for index in aws_dynamodb_table.this.global_secondary_index : index.read_capacity == 5 && index.write_capacity == 5])
    error_message = "A new index starts at the minimum capacity; the autoscaler takes it from there."
  }

  assert {
    condition     = length(aws_appautoscaling_target.capacity) == 4
    error_message = "The table and its index each scale reads and writes."
  }
}

run "the_same_spec_with_other_bounds_plans_no_index_change" {
  command = plan

  variables {
    autoscaling = { read_min_capacity = 10 }
  }

  assert {
    condition     = alltrue([for index in aws_dynamodb_table.this.global_secondary_index : index.read_capacity == 5])
    error_message = "A release leaves the indexes' capacity to the autoscaler."
  }
}

run "an_index_added_to_the_spec_is_refused_until_the_table_has_it" {
  command = plan

  variables {
    global_secondary_indexes = [
      { name = "UserOrdersIndex", hash_key = { name = "UserID", type = "S" }, range_key = { name = "OrderDate", type = "S" } },
      { name = "RecoveryIndex", hash_key = { name = "RecoveryShard", type = "S" }, range_key = { name = "RecoveryDue", type = "S" } },
    ]
  }

  expect_failures = [aws_dynamodb_table.this]
}

run "an_index_whose_key_changed_is_refused_too" {
  command = plan

  variables {
    global_secondary_indexes = [
      { name = "UserOrdersIndex", hash_key = { name = "UserID", type = "S" } },
    ]
  }

  expect_failures = [aws_dynamodb_table.this]
}
