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
  # Keys are strings: for_each takes no set of numbers.
  listener_ports = toset(local.has_path_listener ? (local.https ? ["80", "443"] : ["80"]) : [])
  cidr_ingress   = { for pair in setproduct(var.ingress_cidr_blocks, local.listener_ports) : "${pair[0]}:${pair[1]}" => pair }
}

resource "aws_vpc_security_group_ingress_rule" "cidr" {
  for_each = local.cidr_ingress

  security_group_id = aws_security_group.this.id
  description       = "Clients to listener ${each.value[1]}"
  cidr_ipv4         = each.value[0]
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value[1])
  to_port           = tonumber(each.value[1])
}

# Targets are tasks inside the VPC, all listening on the same container port; the load balancer
# reaches nothing else. Callers of an internal load balancer are let in by their own roots.
resource "aws_vpc_security_group_egress_rule" "targets" {
  security_group_id = aws_security_group.this.id
  description       = "Health checks and requests to tasks on ${var.target_port}"
  cidr_ipv4         = data.aws_vpc.this.cidr_block
  ip_protocol       = "tcp"
  from_port         = var.target_port
  to_port           = var.target_port
}
