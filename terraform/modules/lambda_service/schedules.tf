# Periodic work that a long-running container does in a thread (e.g. orders' checkout recovery) runs
# here as a scheduled invocation of the app's Flask CLI command; lambda_handler.py dispatches it.

resource "aws_cloudwatch_event_rule" "schedule" {
  for_each = var.schedules

  name                = "${local.function_name}-${each.key}"
  description         = "Runs `flask ${each.value.command}` of ${var.name}"
  schedule_expression = each.value.expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "schedule" {
  for_each = var.schedules

  rule  = aws_cloudwatch_event_rule.schedule[each.key].name
  arn   = aws_lambda_alias.live.arn
  input = jsonencode({ shopsmart_command = each.value.command })
}

resource "aws_lambda_permission" "schedule" {
  for_each = var.schedules

  statement_id  = "schedule-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[each.key].arn
}
