output "http_api_routes_route_keys" {
  description = "The route keys this service answers, e.g. \"ANY /products/{proxy+}\"."
  value       = sort(tolist(local.route_keys))
}
