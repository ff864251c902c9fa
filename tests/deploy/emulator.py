"""moto's server as the AWS API of the deploy tier, with the two fixes the apply rehearsal needs.

moto 5.2 implements no tagging for Application Auto Scaling: `ListTagsForResource` answers 500, and
the AWS provider, which reads a scalable target's tags after creating it, retries for ever. This
module gives moto's Application Auto Scaling handler `TagResource`, `UntagResource` and
`ListTagsForResource`, keeping the tags `RegisterScalableTarget` was given. moto 5.2 also has no
Cognito `DeleteResourceServer`, so a destroy could not remove the services' OAuth scope; this
module adds it. And ELBv2's `CreateTargetGroup` is idempotent in AWS (a second call with the same
name and settings answers the same target group) but refused as a duplicate by moto, so an SDK
retry of a create whose answer came late (a busy machine) failed the apply; this module makes it
answer as AWS does. It patches moto only
in the process that runs it (the tier starts it as `python emulator.py -H HOST -p PORT`); nothing
in the product imports it.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

# The ECS execution role attaches AWS's managed AmazonECSTaskExecutionRolePolicy, which moto's IAM
# knows only when told to load AWS's managed policies (read before moto's IAM is imported).
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.cloudfront import urls as cloudfront_urls
from moto.cloudfront.exceptions import CloudFrontException
from moto.cloudfront.responses import CloudFrontResponse
from moto.cognitoidp.exceptions import ResourceNotFoundError
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.elbv2.models import ELBv2Backend, FakeTargetGroup
from moto.utilities.tagging_service import TaggingService

_TAGS_ATTRIBUTE = "_deploy_tier_tags"
_register_scalable_target = ApplicationAutoScalingResponse.register_scalable_target
_create_target_group = ELBv2Backend.create_target_group


def _tags(response: ApplicationAutoScalingResponse) -> TaggingService:
    """The tags of this account and region's scalable targets, kept on moto's backend."""
    backend = response.applicationautoscaling_backend
    if not hasattr(backend, _TAGS_ATTRIBUTE):
        setattr(backend, _TAGS_ATTRIBUTE, TaggingService())
    return getattr(backend, _TAGS_ATTRIBUTE)


def register_scalable_target(self: ApplicationAutoScalingResponse) -> str:
    body = _register_scalable_target(self)
    tags = self._get_param("Tags") or {}
    if tags:
        arn = json.loads(body)["ScalableTargetARN"]
        _tags(self).tag_resource(arn, TaggingService.convert_dict_to_tags_input(tags))
    return body


def tag_resource(self: ApplicationAutoScalingResponse) -> str:
    tags = self._get_param("Tags") or {}
    _tags(self).tag_resource(self._get_param("ResourceARN"), TaggingService.convert_dict_to_tags_input(tags))
    return json.dumps({})


def untag_resource(self: ApplicationAutoScalingResponse) -> str:
    _tags(self).untag_resource_using_names(self._get_param("ResourceARN"), self._get_param("TagKeys") or [])
    return json.dumps({})


def list_tags_for_resource(self: ApplicationAutoScalingResponse) -> str:
    return json.dumps({"Tags": _tags(self).get_tag_dict_for_resource(self._get_param("ResourceARN"))})


def delete_resource_server(self: CognitoIdpResponse) -> str:
    user_pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
    identifier = self._get_param("Identifier")
    if user_pool.resource_servers.pop(identifier, None) is None:
        raise ResourceNotFoundError(f"Resource server {identifier} does not exist.")
    return json.dumps({})


def create_target_group(self: ELBv2Backend, name: str, **settings: object) -> FakeTargetGroup:
    """AWS's idempotent create: the same name with the same protocol, port and VPC answers the
    target group that exists; another target group of that name is still a duplicate."""
    for existing in self.target_groups.values():
        same = (existing.protocol, str(existing.port), existing.vpc_id) == (
            settings.get("protocol"),
            str(settings.get("port")),
            settings.get("vpc_id"),
        )
        if existing.name == name and same:
            return existing
    return _create_target_group(self, name, **settings)


def patch() -> None:
    """Teach moto's Application Auto Scaling handler tags, its Cognito handler
    DeleteResourceServer, and its ELBv2 backend AWS's idempotent CreateTargetGroup."""
    ApplicationAutoScalingResponse.register_scalable_target = register_scalable_target
    ApplicationAutoScalingResponse.tag_resource = tag_resource
    ApplicationAutoScalingResponse.untag_resource = untag_resource
    ApplicationAutoScalingResponse.list_tags_for_resource = list_tags_for_resource
    CognitoIdpResponse.delete_resource_server = delete_resource_server
    ELBv2Backend.create_target_group = create_target_group
    teach_cloudfront_cache_policies()


# moto 5.2's CloudFront has distributions but no cache policies; the CDN (terraform/modules/cdn)
# makes one. These keep each policy's config as sent and answer it back, as CloudFront does.
CACHE_POLICY_PATHS = {
    "{0}/2020-05-31/cache-policy$": CloudFrontResponse.dispatch,
    "{0}/2020-05-31/cache-policy/(?P<policy_id>[^/]+)$": CloudFrontResponse.dispatch,
    "{0}/2020-05-31/cache-policy/(?P<policy_id>[^/]+)/config$": CloudFrontResponse.dispatch,
}


def _cache_policies(self: CloudFrontResponse) -> dict[str, dict[str, Any]]:
    """This account's cache policies by id, kept on moto's CloudFront backend."""
    return self.backend.__dict__.setdefault("deploy_tier_cache_policies", {})


def _cache_policy(self: CloudFrontResponse) -> dict[str, Any]:
    policy_id = self.path.split("/cache-policy/")[1].split("/")[0]
    policy = _cache_policies(self).get(policy_id)
    if policy is None:
        raise CloudFrontException("NoSuchCachePolicy", f"The cache policy {policy_id} does not exist.")
    return policy


def create_cache_policy(self: CloudFrontResponse) -> ActionResult:
    policy_id = str(uuid.uuid4())
    policy = {
        "Id": policy_id,
        "LastModifiedTime": datetime.now(UTC),
        "CachePolicyConfig": self._get_param("CachePolicyConfig", {}),
    }
    _cache_policies(self)[policy_id] = policy
    location = f"https://cloudfront.amazonaws.com/2020-05-31/cache-policy/{policy_id}"
    return ActionResult({"CachePolicy": policy, "ETag": policy_id, "Location": location})


def get_cache_policy(self: CloudFrontResponse) -> ActionResult:
    policy = _cache_policy(self)
    return ActionResult({"CachePolicy": policy, "ETag": policy["Id"]})


def get_cache_policy_config(self: CloudFrontResponse) -> ActionResult:
    policy = _cache_policy(self)
    return ActionResult({"CachePolicyConfig": policy["CachePolicyConfig"], "ETag": policy["Id"]})


def update_cache_policy(self: CloudFrontResponse) -> ActionResult:
    policy = _cache_policy(self)
    policy["CachePolicyConfig"] = self._get_param("CachePolicyConfig", {})
    policy["LastModifiedTime"] = datetime.now(UTC)
    return ActionResult({"CachePolicy": policy, "ETag": policy["Id"]})


def delete_cache_policy(self: CloudFrontResponse) -> EmptyResult:
    _cache_policies(self).pop(_cache_policy(self)["Id"])
    return EmptyResult()


def teach_cloudfront_cache_policies() -> None:
    """Route CloudFront's cache-policy calls to moto's CloudFront handler, and answer them."""
    cloudfront_urls.url_paths.update(CACHE_POLICY_PATHS)
    CloudFrontResponse.create_cache_policy = create_cache_policy
    CloudFrontResponse.get_cache_policy = get_cache_policy
    CloudFrontResponse.get_cache_policy_config = get_cache_policy_config
    CloudFrontResponse.update_cache_policy = update_cache_policy
    CloudFrontResponse.delete_cache_policy = delete_cache_policy


def main(argv: Sequence[str]) -> None:
    from moto.server import main as moto_main

    patch()
    moto_main(list(argv))


if __name__ == "__main__":
    main(sys.argv[1:])
