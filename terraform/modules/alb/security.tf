resource "aws_security_group" "this" {
  name_prefix = "${var.name}-alb-"
  description = "${var.internal ? "Internal" : "Internet-facing"} load balancer ${var.name}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  listener_ports = toset(concat(
    local.has_path_listener ? (local.https ? [80, 443] : [80]) : [],
    [for listener in values(var.port_listeners) : listener.port],
  ))
  cidr_ingress = { for pair in setproduct(var.ingress_cidr_blocks, local.listener_ports) : "${pair[0]}:${pair[1]}" => pair }
  group_ingress = merge([
    for caller, group_id in var.ingress_security_groups : {
      for port in local.listener_ports : "${caller}:${port}" => { group_id = group_id, port = port }
    }
  ]...)
  target_ports = toset([for group in values(var.target_groups) : group.port if group.target_type == "ip"])
}

resource "aws_vpc_security_group_ingress_rule" "cidr" {
  for_each = local.cidr_ingress

  security_group_id = aws_security_group.this.id
  description       = "Clients to listener ${each.value[1]}"
  cidr_ipv4         = each.value[0]
  ip_protocol       = "tcp"
  from_port         = each.value[1]
  to_port           = each.value[1]
}

resource "aws_vpc_security_group_ingress_rule" "group" {
  for_each = local.group_ingress

  security_group_id            = aws_security_group.this.id
  description                  = "${split(":", each.key)[0]} to listener ${each.value.port}"
  referenced_security_group_id = each.value.group_id
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
}

# Targets are tasks inside the VPC; the load balancer reaches nothing else.
resource "aws_vpc_security_group_egress_rule" "targets" {
  for_each = local.target_ports

  security_group_id = aws_security_group.this.id
  description       = "Health checks and requests to tasks on ${each.value}"
  cidr_ipv4         = data.aws_vpc.this.cidr_block
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
}
