output "identity_user_pool_id" {
  description = "The user pool's id."
  value       = aws_cognito_user_pool.this.id
}

output "identity_user_pool_arn" {
  description = "The user pool's ARN."
  value       = aws_cognito_user_pool.this.arn
}

output "identity_issuer" {
  description = "The tokens' issuer (SHOPSMART_JWT_ISSUER)."
  value       = local.issuer
}

output "identity_jwks_url" {
  description = "The user pool's signing keys (SHOPSMART_JWKS_URL)."
  value       = "${local.issuer}/.well-known/jwks.json"
}

output "identity_audience" {
  description = "The app clients whose tokens the services accept, comma-separated (SHOPSMART_JWT_AUDIENCE): the web client (users' ID tokens carry it in `aud`, their access tokens in `client_id`) and the services' client (its client-credentials access tokens carry it in `client_id` and have no `aud`)."
  value       = join(",", [aws_cognito_user_pool_client.web.id, aws_cognito_user_pool_client.services.id])
}

output "identity_web_client_id" {
  description = "The web shop's app client id."
  value       = aws_cognito_user_pool_client.web.id
}

output "identity_hosted_ui_url" {
  description = "Base URL of the Cognito domain (sign-in pages, /oauth2/authorize)."
  value       = "https://${aws_cognito_user_pool_domain.this.domain}.auth.${data.aws_region.current.name}.amazoncognito.com"
}

output "identity_token_url" {
  description = "The OAuth2 token endpoint (SHOPSMART_SERVICE_TOKEN_URL)."
  value       = "https://${aws_cognito_user_pool_domain.this.domain}.auth.${data.aws_region.current.name}.amazoncognito.com/oauth2/token"
}

output "identity_internal_scope" {
  description = "The full internal scope, \"shopsmart/internal\"."
  value       = "${aws_cognito_resource_server.api.identifier}/${var.internal_scope}"
}

output "identity_service_client_id" {
  description = "The services' client id (SHOPSMART_SERVICE_CLIENT_ID)."
  value       = aws_cognito_user_pool_client.services.id
}

output "identity_service_client_secret" {
  description = "The services' client secret (SHOPSMART_SERVICE_CLIENT_SECRET); store it in Secrets Manager."
  value       = aws_cognito_user_pool_client.services.client_secret
  sensitive   = true
}
