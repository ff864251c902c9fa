# The web shop's sign-in settings, which the page reads from /config.json, never from constants in
# its code. The web page's tasks serve them from SHOPSMART_WEB_CONFIG (ecs.tf; the gateway image's
# `gateway/web_config.py` names the fields). `authority` is Cognito's OpenID issuer (its discovery
# document is <authority>/.well-known/openid-configuration); that document names no end-session
# endpoint, so the hosted UI's /logout is given too, for sign-out to end Cognito's session.
locals {
  web_config = {
    authority                = module.identity.identity_issuer
    client_id                = module.identity.identity_web_client_id
    redirect_uri             = var.sign_in_callback_urls[0]
    post_logout_redirect_uri = var.sign_in_callback_urls[0]
    scope                    = "openid email profile"
    logout_endpoint          = "${module.identity.identity_hosted_ui_url}/logout"
  }
}
