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
from collections.abc import Sequence

# The ECS execution role attaches AWS's managed AmazonECSTaskExecutionRolePolicy, which moto's IAM
# knows only when told to load AWS's managed policies (read before moto's IAM is imported).
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.cognitoidp.exceptions import ResourceNotFoundError
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.dynamodb.responses import DynamoHandler
from moto.elbv2.models import ELBv2Backend, FakeTargetGroup
from moto.iam.access_control import IAMPolicyStatement, IAMRequestBase
from moto.utilities.tagging_service import TaggingService

_TAGS_ATTRIBUTE = "_deploy_tier_tags"
_register_scalable_target = ApplicationAutoScalingResponse.register_scalable_target
_create_target_group = ELBv2Backend.create_target_group
_statement_matches = IAMPolicyStatement._check_element_matches
_iam_request_init = IAMRequestBase.__init__
# Services whose requests are signed under another name than their IAM actions' prefix.
IAM_PREFIXES = {"monitoring": "cloudwatch"}


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


def dynamodb_resource(self: DynamoHandler) -> str:
    """The table a DynamoDB request acts on, as the ARN IAM authorises it by ("*" for none)."""
    if self.body.get("ResourceArn"):
        return self.body["ResourceArn"]
    if self.body.get("TableName"):
        table = self.body["TableName"]
        return f"arn:{self.partition}:dynamodb:{self.region}:{self.current_account}:table/{table}"
    return "*"


def statement_matches(self: IAMPolicyStatement, statement_element: str, value: str) -> bool:
    """moto names the resource of a request only for S3, IAM roles, STS and (above) DynamoDB; for
    the other services it asks with "*", which a statement naming resources never matches. There
    the statement is judged by its actions alone (the deploy tier's policy simulation judges the
    resources and conditions); a named resource is matched as moto does."""
    if statement_element == "Resource" and value == "*":
        return True
    return _statement_matches(self, statement_element, value)


def iam_request_init(self: IAMRequestBase, *args: object, **kwargs: object) -> None:
    """moto names a request's action by the service its signature names: CloudWatch's requests are
    signed as "monitoring", but IAM authorises them as cloudwatch:<Action>."""
    _iam_request_init(self, *args, **kwargs)
    service, _, action = self._action.partition(":")
    self._action = f"{IAM_PREFIXES.get(service, service)}:{action}"


def patch_authorization() -> None:
    """Let the deploy tier switch on moto's IAM enforcement (POST /moto-api/reset-auth) for a team's
    role: DynamoDB requests name their table, CloudWatch's actions carry IAM's prefix, and
    statements of services moto cannot name a resource for are judged by their actions."""
    DynamoHandler._determine_resource = dynamodb_resource
    IAMRequestBase.__init__ = iam_request_init
    IAMPolicyStatement._check_element_matches = statement_matches


def main(argv: Sequence[str]) -> None:
    from moto.server import main as moto_main

    patch()
    patch_authorization()
    moto_main(list(argv))


if __name__ == "__main__":
    main(sys.argv[1:])
