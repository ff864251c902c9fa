# The key that signs pagination cursors, shared by every task of a service.
resource "random_password" "cursor" {
  length  = 48
  special = false
}

resource "aws_secretsmanager_secret" "cursor" {
  name_prefix = "${local.name}/cursor-secret-"
  description = "Signs the services' pagination cursors (SHOPSMART_CURSOR_SECRET)."
  kms_key_id  = aws_kms_key.secrets.arn
}

resource "aws_secretsmanager_secret_version" "cursor" {
  secret_id     = aws_secretsmanager_secret.cursor.id
  secret_string = random_password.cursor.result
}

# The key that signs guest cart tokens; anyone holding it could read or fill any guest's cart.
resource "random_password" "guest_token" {
  length  = 48
  special = false
}

resource "aws_secretsmanager_secret" "guest_token" {
  name_prefix = "${local.name}/guest-token-secret-"
  description = "Signs the cart service's guest tokens (SHOPSMART_GUEST_TOKEN_SECRET)."
  kms_key_id  = aws_kms_key.secrets.arn
}

resource "aws_secretsmanager_secret_version" "guest_token" {
  secret_id     = aws_secretsmanager_secret.guest_token.id
  secret_string = random_password.guest_token.result
}

# The Cognito client secret of the services' client-credentials credential.
resource "aws_secretsmanager_secret" "service_client" {
  name_prefix = "${local.name}/service-client-secret-"
  description = "Cognito client secret of the services' credential (SHOPSMART_SERVICE_CLIENT_SECRET)."
  kms_key_id  = aws_kms_key.secrets.arn
}

resource "aws_secretsmanager_secret_version" "service_client" {
  secret_id     = aws_secretsmanager_secret.service_client.id
  secret_string = module.identity.identity_service_client_secret
}
