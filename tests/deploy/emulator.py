"""moto's server as the AWS API of the deploy tier, with the two fixes the apply rehearsal needs.

moto 5.2 implements no tagging for Application Auto Scaling: `ListTagsForResource` answers 500, and
the AWS provider, which reads a scalable target's tags after creating it, retries for ever. This
module gives moto's Application Auto Scaling handler `TagResource`, `UntagResource` and
`ListTagsForResource`, keeping the tags `RegisterScalableTarget` was given. moto 5.2 also has no
Cognito `DeleteResourceServer`, so a destroy could not remove the services' OAuth scope; this
module adds it. And ELBv2's `CreateTargetGroup` is idempotent in AWS (a second call with the same
name and settings answers the same target group) but refused as a duplicate by moto, so an SDK
retry of a create whose answer came late (a busy machine) failed the apply; this module makes it
answer as AWS does. Cognito's OAuth2 token endpoint lives on the user pool's hosted-UI domain,
which moto's server cannot serve, so this module gives moto's Cognito the client-credentials grant
as one more JSON action (`ClientCredentialsToken`), which the rehearsal's token endpoint forwards to
(`deployed_wiring.py`): the access token is signed with moto's own Cognito key and shaped as
Cognito's. moto's Lambda accepts a configuration naming a variable Lambda reserves (AWS_REGION…),
which Lambda refuses, and finds an image function's ImageUri in ECR only when told to, and then
not in a repository whose name has a slash; this module refuses the first as Lambda does and
always looks the image up, so the Lambda rehearsal (`deployed_functions.py`) runs what ECR holds.
It patches moto only
in the process that runs it (the tier starts it as `python emulator.py -H HOST -p PORT`); nothing
in the product imports it.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

# The ECS execution role attaches AWS's managed AmazonECSTaskExecutionRolePolicy, which moto's IAM
# knows only when told to load AWS's managed policies (read before moto's IAM is imported).
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from joserfc import jwt
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.awslambda.exceptions import InvalidParameterValueException as LambdaInvalidParameterValue
from moto.awslambda.models import LambdaBackend, LambdaFunction
from moto.cloudfront import urls as cloudfront_urls
from moto.cloudfront.exceptions import CloudFrontException
from moto.cloudfront.responses import CloudFrontResponse
from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError, ResourceNotFoundError
from moto.cognitoidp.models import cognitoidp_backends, find_account_region_by_value
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.dynamodb.responses import DynamoHandler
from moto.ecr.exceptions import RepositoryNotFoundException
from moto.ecr.models import ecr_backends
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


# Cognito's units of a client's AccessTokenValidity, in seconds (its default unit is hours).
_VALIDITY_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
CLIENT_CREDENTIALS = "client_credentials"


def client_credentials_token(self: CognitoIdpResponse) -> str:
    """Cognito's client-credentials grant (`POST /oauth2/token` on the pool's domain): the app
    client's id and secret and the scopes asked for (all its allowed scopes when none are) give an
    access token with the claims Cognito writes into one (`sub` and `client_id` the client,
    `token_use` access, `scope`, `auth_time`, `iat`, `exp`, `iss`, `jti`, `version` 2) and no
    `aud`, signed with the pool's key. A wrong secret, a client without the grant or a scope it
    was not allowed is refused as Cognito refuses them."""
    client_id = self._get_param("ClientId")
    account, region = find_account_region_by_value(
        "client_id", client_id, fallback=(self.current_account, self.region)
    )
    backend = cognitoidp_backends[account][region]
    pool = next((pool for pool in backend.user_pools.values() if client_id in pool.clients), None)
    if pool is None:
        raise NotAuthorizedError("invalid_client")
    client = pool.clients[client_id]
    if not client.generate_secret or self._get_param("ClientSecret") != client.secret:
        raise NotAuthorizedError("invalid_client")
    config = client.extended_config
    if CLIENT_CREDENTIALS not in config.get("AllowedOAuthFlows", []):
        raise InvalidParameterException("unauthorized_client")
    allowed = config.get("AllowedOAuthScopes", [])
    scopes = (self._get_param("Scope") or "").split() or allowed
    if not set(scopes) <= set(allowed):
        raise InvalidParameterException("invalid_scope")
    unit = config.get("TokenValidityUnits", {}).get("AccessToken", "hours")
    expires_in = int(config.get("AccessTokenValidity", 1)) * _VALIDITY_UNITS[unit]
    now = int(time.time())
    claims = {
        "sub": client_id,
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": now,
        "iss": f"https://cognito-idp.{region}.amazonaws.com/{pool.id}",
        "exp": now + expires_in,
        "iat": now,
        "version": 2,
        "jti": str(uuid.uuid4()),
        "client_id": client_id,
    }
    # The key id moto's JWKS (`/<pool>/.well-known/jwks.json`) publishes for that key.
    token = jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, pool.json_web_key)
    return json.dumps({"access_token": token, "expires_in": expires_in, "token_type": "Bearer"})


def patch() -> None:
    """Teach moto's Application Auto Scaling handler tags, its Cognito handler
    DeleteResourceServer and the client-credentials grant, and its ELBv2 backend AWS's idempotent
    CreateTargetGroup."""
    ApplicationAutoScalingResponse.register_scalable_target = register_scalable_target
    ApplicationAutoScalingResponse.tag_resource = tag_resource
    ApplicationAutoScalingResponse.untag_resource = untag_resource
    ApplicationAutoScalingResponse.list_tags_for_resource = list_tags_for_resource
    CognitoIdpResponse.delete_resource_server = delete_resource_server
    CognitoIdpResponse.client_credentials_token = client_credentials_token
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


# Lambda sets these itself in every execution environment and refuses a configuration that names
# them (CreateFunction and UpdateFunctionConfiguration answer InvalidParameterValueException);
# moto accepts them, so a function AWS would refuse applied here.
LAMBDA_RESERVED_VARIABLES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
_create_function = LambdaBackend.create_function
_update_configuration = LambdaFunction.update_configuration
_set_function_code = LambdaFunction._set_function_code


def refuse_reserved_variables(environment: dict[str, Any] | None) -> None:
    reserved = sorted(set((environment or {}).get("Variables") or {}) & LAMBDA_RESERVED_VARIABLES)
    if reserved:
        raise LambdaInvalidParameterValue(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            f"for modification. Reserved keys used in this request: {', '.join(reserved)}"
        )


def create_function(self: LambdaBackend, spec: dict[str, Any]) -> LambdaFunction:
    refuse_reserved_variables(spec.get("Environment"))
    return _create_function(self, spec)


def update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
    refuse_reserved_variables(config_updates.get("Environment"))
    return _update_configuration(self, config_updates)


def set_function_code(self: LambdaFunction, updated_spec: dict[str, Any]) -> None:
    """An image function's `ImageUri` (`<registry>/<repository>:<tag>` or `@<digest>`) must name an
    image of that ECR repository, as Lambda requires; the function's CodeSha256 is then the
    image's digest. (moto checks only when MOTO_LAMBDA_STUB_ECR=false, and takes the repository's
    name to be the URI's last segment, so `shopsmart/products` is never found.)"""
    uri = updated_spec.get("ImageUri")
    if uri is None or updated_spec.get("DryRun"):
        _set_function_code(self, updated_spec)
        return
    path = uri.split("/", 1)[1]
    repository, digest = path.split("@", 1) if "@" in path else (path.rsplit(":", 1)[0], None)
    image_id = {"imageDigest": digest} if digest else {"imageTag": path.rsplit(":", 1)[1]}
    try:
        images = ecr_backends[self.account_id][self.region].batch_get_image(
            repository_name=repository, image_ids=[image_id]
        )["images"]
    except RepositoryNotFoundException:
        images = []
    if not images:
        raise LambdaInvalidParameterValue(f"Source image {uri} does not exist. Provide a valid source image.")
    self.code_sha_256 = images[0].get_image_digest().removeprefix("sha256:")
    self.code_size = json.loads(images[0].image_manifest)["config"]["size"]
    if updated_spec is not self.code:
        self.code["ImageUri"] = uri


def patch_lambda() -> None:
    """Teach moto's Lambda the reserved variables and to find a function's image in ECR."""
    LambdaBackend.create_function = create_function
    LambdaFunction.update_configuration = update_configuration
    LambdaFunction._set_function_code = set_function_code


def main(argv: Sequence[str]) -> None:
    from moto.server import main as moto_main

    patch()
    patch_authorization()
    patch_lambda()
    moto_main(list(argv))


if __name__ == "__main__":
    main(sys.argv[1:])
