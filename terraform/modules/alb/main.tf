data "aws_vpc" "this" {
  id = var.vpc_id
}

locals {
  https             = var.certificate_arn != null
  has_path_listener = var.path_routing
  routing_listener_arn = local.has_path_listener ? (
    local.https ? aws_lb_listener.https[0].arn : aws_lb_listener.http[0].arn
  ) : null

  # The load balancer answers fixed responses only as text/plain, text/css, text/html,
  # application/javascript or application/json; the body is still a problem document.
  not_found = {
    content_type = "application/json"
    message_body = jsonencode({ type = "about:blank", title = "Not Found", status = 404, detail = "No ShopSmart route matches this path." })
    status_code  = "404"
  }
}

resource "aws_lb" "this" {
  name               = var.name
  internal           = var.internal
  load_balancer_type = "application"
  subnets            = var.subnet_ids
  security_groups    = [aws_security_group.this.id]
  idle_timeout       = var.idle_timeout

  enable_deletion_protection = var.deletion_protection
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "strictest"

  dynamic "access_logs" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]
    content {
      bucket  = access_logs.value
      prefix  = var.name
      enabled = true
    }
  }

  tags = var.tags
}

resource "aws_lb_target_group" "this" {
  for_each = var.target_groups

  name_prefix          = substr(replace(each.key, "/[^A-Za-z0-9]/", ""), 0, 6)
  target_type          = each.value.target_type
  port                 = each.value.target_type == "lambda" ? null : each.value.port
  protocol             = each.value.target_type == "lambda" ? null : "HTTP"
  vpc_id               = each.value.target_type == "lambda" ? null : var.vpc_id
  deregistration_delay = each.value.deregistration_delay

  # A Lambda target's check is an invocation, which may include a cold start.
  health_check {
    enabled             = true
    path                = each.value.health_check_path
    matcher             = "200"
    interval            = each.value.target_type == "lambda" ? 60 : 15
    timeout             = each.value.target_type == "lambda" ? 30 : 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = merge(var.tags, { Service = each.key })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "https" {
  count = local.has_path_listener && local.https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = var.default_target_group == null ? "fixed-response" : "forward"
    target_group_arn = var.default_target_group == null ? null : aws_lb_target_group.this[var.default_target_group].arn

    dynamic "fixed_response" {
      for_each = var.default_target_group == null ? [local.not_found] : []
      content {
        content_type = fixed_response.value.content_type
        message_body = fixed_response.value.message_body
        status_code  = fixed_response.value.status_code
      }
    }
  }

  tags = var.tags
}

resource "aws_lb_listener" "http" {
  count = local.has_path_listener ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https ? "redirect" : (var.default_target_group == null ? "fixed-response" : "forward")
    target_group_arn = !local.https && var.default_target_group != null ? aws_lb_target_group.this[var.default_target_group].arn : null

    dynamic "redirect" {
      for_each = local.https ? [443] : []
      content {
        port        = tostring(redirect.value)
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }

    dynamic "fixed_response" {
      for_each = !local.https && var.default_target_group == null ? [local.not_found] : []
      content {
        content_type = fixed_response.value.content_type
        message_body = fixed_response.value.message_body
        status_code  = fixed_response.value.status_code
      }
    }
  }

  tags = var.tags
}

# Evaluated first: paths that must never reach a service from this listener, whatever the routes say.
resource "aws_lb_listener_rule" "blocked" {
  count = local.has_path_listener && length(var.blocked_path_patterns) > 0 ? 1 : 0

  listener_arn = local.routing_listener_arn
  priority     = 1

  action {
    type = "fixed-response"

    fixed_response {
      content_type = local.not_found.content_type
      message_body = local.not_found.message_body
      status_code  = local.not_found.status_code
    }
  }

  condition {
    path_pattern {
      values = var.blocked_path_patterns
    }
  }

  tags = var.tags
}
