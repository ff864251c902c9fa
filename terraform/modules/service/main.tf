data "aws_region" "current" {}

locals {
  full_name = "shopsmart-${var.environment_name}-${var.name}"

  container = {
    name      = var.name
    image     = var.image
    essential = true
    command   = var.command
    # gunicorn and Python write only to /tmp, a task volume; the image itself stays read-only.
    readonlyRootFilesystem = true
    user                   = "10001:10001"
    portMappings           = [{ containerPort = var.container_port, protocol = "tcp" }]
    environment            = [for name, value in var.environment : { name = name, value = value }]
    secrets                = [for name, arn in var.secrets : { name = name, valueFrom = arn }]
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    healthCheck = {
      command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${var.container_port}/health/live', timeout=2)"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 20
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = var.name
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "this" {
  # The EMF lines the service prints become CloudWatch metrics from this log group.
  name              = "/shopsmart/${var.environment_name}/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_ecs_task_definition" "this" {
  family                   = local.full_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  task_role_arn            = aws_iam_role.task.arn
  execution_role_arn       = aws_iam_role.execution.arn
  container_definitions    = jsonencode([{ for key, value in local.container : key => value if value != null }])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }

  # A release registers a new revision and leaves the previous one ACTIVE: the deployment circuit
  # breaker and alarm rollback, and an operator's `update-service --task-definition`, need it.
  skip_destroy = true
  tags         = var.tags

  lifecycle {
    # Registered before the service moves to it, so the service never points at a revision that
    # is not there yet.
    create_before_destroy = true
  }
}

resource "aws_ecs_service" "this" {
  name                              = var.name
  cluster                           = var.cluster_arn
  task_definition                   = aws_ecs_task_definition.this.arn
  desired_count                     = var.desired_count
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  health_check_grace_period_seconds = length(var.load_balancers) > 0 ? var.health_check_grace_period : null
  propagate_tags                    = "SERVICE"
  enable_execute_command            = false
  wait_for_steady_state             = false

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  # A deployment whose tasks never become healthy rolls back by itself; so does one that sets off
  # the service's own alarms (5xx rate, p99 latency) while it rolls out.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  dynamic "alarms" {
    for_each = length(var.rollback_alarm_names) > 0 ? [var.rollback_alarm_names] : []
    content {
      alarm_names = alarms.value
      enable      = true
      rollback    = true
    }
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = var.load_balancers
    content {
      target_group_arn = load_balancer.value.target_group_arn
      container_name   = var.name
      container_port   = var.container_port
    }
  }

  tags = var.tags

  lifecycle {
    # Service autoscaling owns the task count.
    ignore_changes = [desired_count]
  }
}
