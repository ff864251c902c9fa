# One service's entrances on the platform's load balancers: a target group and a path rule on the
# public listener, and a listener of its own port on the internal load balancer. The service's root
# owns them, so shipping or removing a service never touches another service's routing.

locals {
  # Public path rules need a listener; Lambda functions are reached publicly through the HTTP API.
  entrances = merge(
    var.public == null ? {} : { public = var.public },
    var.internal == null ? {} : { internal = var.internal },
  )
}

resource "aws_lb_target_group" "this" {
  for_each = local.entrances

  name_prefix          = substr("${replace(var.name, "/[^A-Za-z0-9]/", "")}${substr(each.key, 0, 1)}", 0, 6)
  target_type          = var.target_type
  port                 = var.target_type == "lambda" ? null : var.target_port
  protocol             = var.target_type == "lambda" ? null : "HTTP"
  vpc_id               = var.target_type == "lambda" ? null : var.vpc_id
  deregistration_delay = var.deregistration_delay

  # A Lambda target's check is an invocation, which may include a cold start.
  health_check {
    enabled             = true
    path                = var.health_check_path
    matcher             = "200"
    interval            = var.target_type == "lambda" ? 60 : 15
    timeout             = var.target_type == "lambda" ? 30 : 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener_rule" "public" {
  count = var.public == null ? 0 : 1

  listener_arn = var.public.listener_arn
  priority     = var.public.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this["public"].arn
  }

  condition {
    path_pattern {
      values = var.public.path_patterns
    }
  }

  tags = var.tags
}

resource "aws_lb_listener" "internal" {
  count = var.internal == null ? 0 : 1

  load_balancer_arn = var.internal.load_balancer_arn
  port              = var.internal.port
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this["internal"].arn
  }

  tags = var.tags
}
