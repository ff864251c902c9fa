output "network_vpc_id" {
  description = "The VPC's id."
  value       = local.vpc_id
}

output "network_public_subnet_ids" {
  description = "Subnets for the internet-facing load balancer."
  value       = local.public_subnet_ids
}

output "network_private_subnet_ids" {
  description = "Subnets for tasks, functions and the internal load balancer."
  value       = local.private_subnet_ids
}

output "network_vpc_cidr_block" {
  description = "The VPC's CIDR block (null when an existing network is used)."
  value       = local.create ? aws_vpc.this[0].cidr_block : null
}
