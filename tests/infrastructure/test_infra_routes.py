"""The load balancer and the HTTP API route exactly `gateway.routes.PUBLIC_ROUTES`, never /internal/*.

The public routes table in Terraform is compared with the gateway's, pattern for pattern and in
order (the order sets the rules' priorities); then the wiring from that table to the listener rules
and API routes is checked, and that services reach /internal/* only through the internal load
balancer.
"""

from __future__ import annotations

import fnmatch

import pytest

from gateway.routes import PUBLIC_ROUTES

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
    return terraform.production.locals["public_routes"]


def test_the_public_routes_table_equals_the_gateways(public_routes) -> None:
    assert [(route["service"], tuple(route["path_patterns"])) for route in public_routes] == [
        (route.service, route.path_patterns) for route in PUBLIC_ROUTES
    ]


def test_no_public_route_reaches_internal_paths(public_routes) -> None:
    for route in public_routes:
        for pattern in route["path_patterns"]:
            assert not pattern.startswith("/internal")
            for path in INTERNAL_PATHS:
                assert not fnmatch.fnmatchcase(path, pattern), (pattern, path)


def test_the_public_load_balancer_rules_come_from_the_routes_table(terraform) -> None:
    call = terraform.production.module_calls["public_alb"]
    assert call["internal"] is False
    assert call["routes"] == (
        "${[for route in local.public_routes : "
        "{target_group = route.service, path_patterns = route.path_patterns}]}"
    )
    assert terraform.reference(call["blocked_path_patterns"]) == "local.internal_path_patterns"
    blocked = terraform.production.locals["internal_path_patterns"]
    for path in INTERNAL_PATHS:
        assert any(fnmatch.fnmatchcase(path, pattern) for pattern in blocked), path
    # One target group per routed service (and the web page for every other path).
    assert call["target_groups"] == '${{for name in concat(keys(local.services), ["web"]) : name => {}}}'
    services = set(terraform.production.locals["services"])
    assert {route.service for route in PUBLIC_ROUTES} == services


def test_the_alb_module_turns_each_route_into_one_forward_rule(terraform) -> None:
    module = terraform.modules["alb"]
    assert module.locals["route_rules"] == (
        "${{for index, route in var.routes : "
        "route.target_group => merge(route, {priority = (index + 1) * 10})}}"
    )
    rule = module.resources["aws_lb_listener_rule.route"]
    assert terraform.reference(rule["for_each"]) == "local.route_rules"
    assert rule["condition"] == [{"path_pattern": [{"values": "${each.value.path_patterns}"}]}]
    assert rule["action"][0]["type"] == "forward"
    assert rule["action"][0]["target_group_arn"] == "${aws_lb_target_group.this[each.value.target_group].arn}"
    # The rules are the only path routing; blocked paths answer 404 before any of them.
    rules = {name for name in module.resources if name.startswith("aws_lb_listener_rule.")}
    assert rules == {"aws_lb_listener_rule.route", "aws_lb_listener_rule.blocked"}
    blocked = module.resources["aws_lb_listener_rule.blocked"]
    assert blocked["priority"] == 1
    assert blocked["action"][0]["type"] == "fixed-response"


def test_target_groups_check_readiness(terraform) -> None:
    module = terraform.modules["alb"]
    assert (
        'health_check_path = optional(string, "/health/ready")' in module.variables["target_groups"]["type"]
    )
    health_check = module.resources["aws_lb_target_group.this"]["health_check"][0]
    assert health_check["path"] == "${each.value.health_check_path}"


def test_the_internal_load_balancer_has_no_path_routes(terraform) -> None:
    call = terraform.production.module_calls["internal_alb"]
    assert call["internal"] is True
    assert "routes" not in call and "default_target_group" not in call
    # Only the services someone calls get an internal address.
    services = terraform.production.locals["services"]
    called = {peer for service in services.values() for peer in service["peers"]}
    with_port = {name for name, service in services.items() if service["internal_port"] is not None}
    assert with_port == called


def test_services_reach_peers_through_the_internal_load_balancer(terraform) -> None:
    environment = terraform.production.locals["service_environment"]
    assert (
        '{for peer in service.peers : "SHOPSMART_${upper(peer)}_URL" => '
        "module.internal_alb.alb_port_urls[peer]}" in environment
    )
    assert "public_alb" not in environment
    for call in ("ecs_service", "lambda_service"):
        egress = terraform.production.module_calls[call]["egress_security_groups"]
        assert "module.internal_alb.alb_security_group_id" in egress
        assert "public_alb" not in egress


def test_the_public_load_balancer_serves_https_behind_managed_rules(terraform) -> None:
    production = terraform.production
    call = production.module_calls["public_alb"]
    assert terraform.reference(call["certificate_arn"]) == "var.certificate_arn"
    assert "default" not in production.variables["certificate_arn"]
    http = terraform.modules["alb"].resources["aws_lb_listener.http"]
    assert http["default_action"][0]["type"].startswith('${local.https ? "redirect"')
    assert call["web_acl"] == {"enabled": True}
    web_acl = terraform.modules["alb"].resources["aws_wafv2_web_acl.this"]
    managed = {
        rule["statement"][0]["managed_rule_group_statement"][0]["name"] for rule in web_acl["rule"][1:]
    }
    assert "AWSManagedRulesKnownBadInputsRuleSet" in managed


def test_the_http_api_routes_are_the_routes_table(terraform) -> None:
    call = terraform.production.module_calls["http_api"]
    assert call["routes"] == (
        "${[for route in local.public_routes : "
        "{function = route.service, path_patterns = route.path_patterns}]}"
    )
    module = terraform.modules["http_api"]
    translation = module.locals["route_keys"]
    assert 'endswith(pattern, "/*") ? "${trimsuffix(pattern, "/*")}/{proxy+}" : pattern' in translation
    route = module.resources["aws_apigatewayv2_route.public"]
    assert terraform.reference(route["for_each"]) == "local.route_keys"
    # No catch-all route: /internal/* and anything unlisted get API Gateway's 404.
    keys = {http_api_route_key(pattern) for route in PUBLIC_ROUTES for pattern in route.path_patterns}
    assert "$default" not in keys and not any("internal" in key for key in keys)
    assert {name for name in module.resources if name.startswith("aws_apigatewayv2_route.")} == {
        "aws_apigatewayv2_route.public"
    }
    assert http_api_route_key("/products/*") == "ANY /products/{proxy+}"
