# The web shop's sign-in settings: the page reads them from /config.json, never from constants in
# its code. `authority` is Cognito's OpenID issuer (its discovery document is
# <authority>/.well-known/openid-configuration); that document names no end-session endpoint, so
# the hosted UI's /logout is given here, for sign-out to end Cognito's session too.
locals {
  web_config = {
    authority                = module.identity.identity_issuer
    client_id                = module.identity.identity_web_client_id
    redirect_uri             = var.sign_in_callback_urls[0]
    post_logout_redirect_uri = var.sign_in_callback_urls[0]
    scope                    = "openid email profile"
    end_session_endpoint     = "${module.identity.identity_hosted_ui_url}/logout"
  }
}

# On ECS the public load balancer answers /config.json itself, beside the page, after the blocked
# internal paths (priority 1) and before every service's rule (10 and up).
resource "aws_lb_listener_rule" "web_config" {
  count = local.on_ecs ? 1 : 0

  listener_arn = module.public_alb[0].alb_listener_arn
  priority     = 2

  action {
    type = "fixed-response"

    fixed_response {
      content_type = "application/json"
      message_body = jsonencode(local.web_config)
      status_code  = "200"
    }
  }

  condition {
    path_pattern {
      values = ["/config.json"]
    }
  }
}
