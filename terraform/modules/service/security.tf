resource "aws_security_group" "this" {
  name_prefix = "${local.full_name}-"
  description = "Tasks of the ShopSmart ${var.name} service"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = local.full_name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "load_balancer" {
  for_each = var.load_balancers

  security_group_id            = aws_security_group.this.id
  description                  = "Requests and health checks from the ${each.key} load balancer"
  referenced_security_group_id = each.value.security_group_id
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
}

# HTTPS out: DynamoDB (through the VPC endpoint), Cognito's JWKS and token endpoints, ECR, logs.
resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "AWS APIs and Cognito over HTTPS"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "peers" {
  for_each = var.egress_security_groups

  security_group_id            = aws_security_group.this.id
  description                  = "Calls to ${each.key}"
  referenced_security_group_id = each.value.security_group_id
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
}
