"""The CDN in front of the shop (terraform/platform/cdn.tf), applied to the emulator in both compute
modes: CloudFront before the load balancer or the HTTP API, through Origin Shield, with a cache
policy that leaves caching to the origin's headers and keys on the credentials, and a web ACL."""

from __future__ import annotations

from typing import Any

import pytest
from deploy_harness import PLATFORM, REGION, Deployment, result_of

CREDENTIAL_HEADERS = {"Authorization", "X-Guest-Token"}


def distribution_config(deployment: Deployment) -> dict[str, Any]:
    cloudfront = deployment.client("cloudfront")
    distribution_id = deployment.outputs(PLATFORM)["cdn_url"].removeprefix("https://")
    [summary] = [
        item
        for item in cloudfront.list_distributions()["DistributionList"]["Items"]
        if item["DomainName"] == distribution_id
    ]
    return cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]


@pytest.mark.parametrize("compute", ["ecs", "lambda"])
def test_cloudfront_fronts_the_shop_through_origin_shield_with_a_web_acl(planned, compute: str) -> None:
    deployment = result_of(planned, compute).deployment
    config = distribution_config(deployment)
    [origin] = config["Origins"]["Items"]
    if compute == "ecs":
        assert origin["DomainName"].endswith(".elb.amazonaws.com")
    else:
        assert "execute-api" in origin["DomainName"] and "://" not in origin["DomainName"]
    assert origin["OriginShield"] == {"Enabled": True, "OriginShieldRegion": REGION}
    assert config["WebACLId"].startswith("arn:aws:wafv2:us-east-1:")
    assert ":global/webacl/" in config["WebACLId"]
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"


def test_the_cache_policy_honours_the_origin_and_never_shares_a_credentialed_answer(planned) -> None:
    deployment = result_of(planned, "ecs").deployment
    behaviour = distribution_config(deployment)["DefaultCacheBehavior"]
    policy = deployment.client("cloudfront").get_cache_policy(Id=behaviour["CachePolicyId"])
    config = policy["CachePolicy"]["CachePolicyConfig"]
    # Nothing is cached unless the origin's Cache-Control says so.
    assert (config["MinTTL"], config["DefaultTTL"]) == (0, 0)
    key = config["ParametersInCacheKeyAndForwardedToOrigin"]
    assert set(key["HeadersConfig"]["Headers"]["Items"]) == CREDENTIAL_HEADERS
    assert key["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    assert key["CookiesConfig"]["CookieBehavior"] == "none"
