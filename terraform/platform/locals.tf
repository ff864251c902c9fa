locals {
  on_ecs       = var.compute == "ecs"
  on_lambda    = var.compute == "lambda"
  name         = "shopsmart-${var.environment_name}"
  table_prefix = "${local.name}-"

  # The services the platform makes room for: an image repository each, and a port of its own on the
  # internal load balancer for those another service calls (products and cart, for /internal/*).
  # Each service's root owns everything else about it.
  services       = ["products", "cart", "orders"]
  internal_ports = { products = 8001, cart = 8002 }
}
