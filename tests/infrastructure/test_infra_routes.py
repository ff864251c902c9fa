"""The load balancer and the HTTP API route exactly the code's public routes table, never /internal/*.

Each service's root carries its entry of the routes table (patterns, and a priority that keeps the
table's order); its rule on the platform's listener or its API routes are built from that entry
alone. Services reach /internal/* only through the internal load balancer.
"""

from __future__ import annotations

import fnmatch

import pytest
from code_truths import code_public_routes

PUBLIC_ROUTES = code_public_routes()
INTERNAL_PATHS = (
    "/internal",
    "/internal/reservations",
    "/internal/carts/alice",
    "/internal/carts/a/checkout-removals",
    "/internal/v1/reservations/o-1/commit",
    "/internal/v1/carts/a/checkout-removals",
)


def http_api_route_key(pattern: str) -> str:
    """ALB pattern → API Gateway route key: a trailing `/*` is the greedy `{proxy+}`."""
    return f"ANY {pattern.removesuffix('/*')}/{{proxy+}}" if pattern.endswith("/*") else f"ANY {pattern}"


@pytest.fixture(scope="module")
def public_routes(terraform) -> list[dict]:
    """Each service root's entry of the routes table, in the order of their priorities."""
    routes = [{**root.locals["public_route"], "service": name} for name, root in terraform.services.items()]
    return sorted(routes, key=lambda route: route["priority"])


def test_the_roots_routes_are_the_gateways_routes_table_in_order(public_routes) -> None:
    assert [(route["service"], tuple(route["path_patterns"])) for route in public_routes] == [
        (route.service, route.path_patterns) for route in PUBLIC_ROUTES
    ]
    priorities = [route["priority"] for route in public_routes]
    assert len(set(priorities)) == len(priorities) and min(priorities) > 1


def test_no_public_route_reaches_internal_paths(public_routes) -> None:
    for route in public_routes:
        for pattern in route["path_patterns"]:
            assert not pattern.startswith("/internal")
            for path in INTERNAL_PATHS:
                assert not fnmatch.fnmatchcase(path, pattern), (pattern, path)


def test_each_service_adds_its_own_rule_from_its_routes_entry(terraform) -> None:
    composition = terraform.modules["shop_service"]
    call = composition.module_calls["routes"]
    assert call["public"] == (
        "${local.on_ecs ? {listener_arn = var.platform.public_listener_arn, "
        "path_patterns = var.public_route.path_patterns, priority = var.public_route.priority} : null}"
    )
    for name, root in terraform.services.items():
        assert root.module_calls[name]["public_route"] == "${local.public_route}"
    module = terraform.modules["alb_route"]
    rule = module.resources["aws_lb_listener_rule.public"]
    assert rule["priority"] == "${var.public.priority}"
    assert rule["condition"] == [{"path_pattern": [{"values": "${var.public.path_patterns}"}]}]
    assert rule["action"][0]["type"] == "forward"
    assert rule["action"][0]["target_group_arn"] == '${aws_lb_target_group.this["public"].arn}'
    assert {name for name in module.resources if name.startswith("aws_lb_listener_rule.")} == {
        "aws_lb_listener_rule.public"
    }


def test_the_platform_blocks_internal_paths_before_any_service_rule(terraform) -> None:
    call = terraform.platform.module_calls["public_alb"]
    assert call["internal"] is False
    for path in INTERNAL_PATHS:
        assert any(fnmatch.fnmatchcase(path, pattern) for pattern in call["blocked_path_patterns"]), path
    module = terraform.modules["alb"]
    assert {name for name in module.resources if name.startswith("aws_lb_listener_rule.")} == {
        "aws_lb_listener_rule.blocked"
    }
    blocked = module.resources["aws_lb_listener_rule.blocked"]
    assert blocked["priority"] == 1
    assert blocked["action"][0]["type"] == "fixed-response"
    # A service's rule can never take priority 1.
    validations = terraform.modules["alb_route"].variables["public"]["validation"]
    assert any("var.public.priority > 1" in validation["condition"] for validation in validations)
    # Every other path is the web shop's page.
    assert call["default_target_group"] == "web"


def test_fixed_responses_use_a_content_type_the_load_balancer_accepts(terraform) -> None:
    allowed = {"text/plain", "text/css", "text/html", "application/javascript", "application/json"}
    assert terraform.modules["alb"].locals["not_found"]["content_type"] in allowed


def test_target_groups_check_readiness(terraform) -> None:
    module = terraform.modules["alb_route"]
    assert module.variables["health_check_path"]["default"] == "/health/ready"
    health_check = module.resources["aws_lb_target_group.this"]["health_check"][0]
    assert health_check["path"] == "${var.health_check_path}"
    assert (
        'health_check_path = optional(string, "/health/ready")'
        in terraform.modules["alb"].variables["target_groups"]["type"]
    )


def test_only_called_services_get_an_internal_port(terraform) -> None:
    call = terraform.platform.module_calls["internal_alb"]
    assert call["internal"] is True
    assert call["path_routing"] is False
    assert "default_target_group" not in call and "target_groups" not in call
    called = {
        peer
        for root in terraform.services.values()
        for name, arguments in root.module_calls.items()
        for peer in arguments.get("peers", [])
    }
    assert set(terraform.platform.locals["internal_ports"]) == called


def test_services_reach_peers_through_the_internal_load_balancer(terraform) -> None:
    composition = terraform.modules["shop_service"]
    environment = composition.locals["environment"]
    assert (
        '{for peer in var.peers : "SHOPSMART_${upper(peer)}_URL" => var.platform.internal_urls[peer]}'
        in environment
    )
    assert "public" not in environment
    egress = composition.locals["peer_egress"]
    assert "var.platform.internal_alb_security_group" in egress and "public" not in egress
    for call in ("ecs_service", "lambda_service"):
        assert composition.module_calls[call]["egress_security_groups"] == "${local.peer_egress}"
    ingress = composition.resources["aws_vpc_security_group_ingress_rule.to_peers"]
    assert terraform.reference(ingress["for_each"]) == "local.peer_egress"
    assert ingress["referenced_security_group_id"] == "${local.caller_security_group_id}"


def test_the_public_load_balancer_serves_https_behind_managed_rules(terraform) -> None:
    platform = terraform.platform
    call = platform.module_calls["public_alb"]
    assert terraform.reference(call["certificate_arn"]) == "var.certificate_arn"
    assert "default" not in platform.variables["certificate_arn"]
    http = terraform.modules["alb"].resources["aws_lb_listener.http"]
    assert http["default_action"][0]["type"].startswith('${local.https ? "redirect"')
    assert call["web_acl"] == {"enabled": True}
    assert terraform.modules["alb"].module_calls["web_acl"]["source"] == "../waf_acl"
    web_acl = terraform.modules["waf_acl"].resources["aws_wafv2_web_acl.this"]
    managed = {
        rule["statement"][0]["managed_rule_group_statement"][0]["name"] for rule in web_acl["rule"][1:]
    }
    assert "AWSManagedRulesKnownBadInputsRuleSet" in managed


def test_the_http_api_routes_are_each_services_routes_entry(terraform) -> None:
    call = terraform.modules["shop_service"].module_calls["api_routes"]
    assert call["path_patterns"] == "${var.public_route.path_patterns}"
    module = terraform.modules["http_api_routes"]
    translation = module.locals["route_keys"]
    assert 'endswith(pattern, "/*") ? "${trimsuffix(pattern, "/*")}/{proxy+}" : pattern' in translation
    route = module.resources["aws_apigatewayv2_route.public"]
    assert terraform.reference(route["for_each"]) == "local.route_keys"
    # No catch-all route anywhere: /internal/* and anything unlisted get API Gateway's 404.
    for module_name in ("http_api", "http_api_routes"):
        for name, body in terraform.modules[module_name].resources.items():
            assert "$default" not in str(body.get("route_key", "")), name
    keys = {http_api_route_key(pattern) for route in PUBLIC_ROUTES for pattern in route.path_patterns}
    assert not any("internal" in key for key in keys)
    assert http_api_route_key("/products/*") == "ANY /products/{proxy+}"
    # The API invokes the `live` alias, not $LATEST.
    permission = module.resources["aws_lambda_permission.api"]
    assert permission["qualifier"] == "${var.function.alias_name}"
