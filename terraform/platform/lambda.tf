# compute = "lambda": the HTTP API the services' roots add their routes to. The web shop's page is
# served elsewhere (e.g. a bucket behind a CDN) and calls the API across origins.

module "http_api" {
  source = "../modules/http_api"
  count  = local.on_lambda ? 1 : 0

  name                 = local.name
  cors_allowed_origins = var.cors_allowed_origins
  log_kms_key_arn      = aws_kms_key.observability.arn
}
