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
Cognito's. moto lets any client sign in with any auth flow, and answers USER_SRP_AUTH with random
numbers and any proof; this module makes its Cognito refuse a flow the client's ExplicitAuthFlows
do not allow, as Cognito does, and run SRP for real (the server's side, with the user's password),
so a wrong password is refused on that flow too. moto's Lambda accepts a configuration naming a
variable Lambda reserves (AWS_REGION…), which Lambda refuses, and finds an image function's
ImageUri in ECR only when told to, and then not in a repository whose name has a slash; this module
refuses the first as Lambda does and always looks the image up, so the Lambda rehearsal
(`deployed_functions.py`) runs what ECR holds. It patches moto only in the process that runs it
(the tier starts it as `python emulator.py -H HOST -p PORT`); nothing in the product imports it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# The Lambda function's role attaches AWS's managed AWSLambdaVPCAccessExecutionRole and
# AWSXRayDaemonWriteAccess, which moto's IAM knows only when told to load AWS's managed policies
# (read before moto's IAM is imported).
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from joserfc import jwt
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.awslambda.exceptions import InvalidParameterValueException as LambdaInvalidParameterValue
from moto.awslambda.models import LambdaBackend, LambdaFunction, lambda_backends
from moto.cloudfront import urls as cloudfront_urls
from moto.cloudfront.exceptions import CloudFrontException
from moto.cloudfront.responses import CloudFrontResponse
from moto.cloudwatch.models import cloudwatch_backends
from moto.codedeploy.models import Application, CodeDeployBackend, DeploymentGroup, DeploymentInfo
from moto.codedeploy.responses import CodeDeployResponse
from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError, ResourceNotFoundError
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    cognitoidp_backends,
    find_account_region_by_value,
)
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.dynamodb.responses import DynamoHandler
from moto.ec2.models.security_groups import SecurityGroupBackend
from moto.ecr.exceptions import RepositoryNotFoundException
from moto.ecr.models import ecr_backends
from moto.elbv2.models import ELBv2Backend, FakeTargetGroup
from moto.iam.access_control import IAMPolicyStatement, IAMRequestBase
from moto.iam.models import IAMBackend, Role
from moto.utilities.tagging_service import TaggingService
from pycognito.aws_srp import G_HEX, N_HEX, calculate_u, compute_hkdf, hash_sha256, hex_hash, pad_hex

_TAGS_ATTRIBUTE = "_deploy_tier_tags"
_register_scalable_target = ApplicationAutoScalingResponse.register_scalable_target
_create_target_group = ELBv2Backend.create_target_group
_statement_matches = IAMPolicyStatement._check_element_matches
_iam_request_init = IAMRequestBase.__init__
_initiate_auth = CognitoIdpBackend.initiate_auth
_admin_initiate_auth = CognitoIdpBackend.admin_initiate_auth
_respond_to_auth_challenge = CognitoIdpBackend.respond_to_auth_challenge
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


# Which of a client's ExplicitAuthFlows lets each AuthFlow through (the legacy names too).
AUTH_FLOW_SETTINGS = {
    "ADMIN_USER_PASSWORD_AUTH": {"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"},
    "ADMIN_NO_SRP_AUTH": {"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"},
    "USER_PASSWORD_AUTH": {"ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"},
    "USER_SRP_AUTH": {"ALLOW_USER_SRP_AUTH"},
    "REFRESH_TOKEN_AUTH": {"ALLOW_REFRESH_TOKEN_AUTH"},
    "REFRESH_TOKEN": {"ALLOW_REFRESH_TOKEN_AUTH"},
    "CUSTOM_AUTH": {"ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"},
}
# A client created without ExplicitAuthFlows allows these; a client naming only legacy values
# (no ALLOW_*) still has SRP and refresh.
DEFAULT_AUTH_FLOWS = {"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}
LEGACY_ALWAYS_ALLOWED = {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}


def _check_auth_flow(client: CognitoIdpUserPoolClient | None, auth_flow: str) -> None:
    """Cognito's answer to a flow the app client does not allow."""
    if client is None:
        return  # moto's own lookup answers an unknown client
    configured = set(client.extended_config.get("ExplicitAuthFlows") or DEFAULT_AUTH_FLOWS)
    if not any(flow.startswith("ALLOW_") for flow in configured):
        configured |= LEGACY_ALWAYS_ALLOWED
    if not AUTH_FLOW_SETTINGS.get(auth_flow, set()) & configured:
        raise InvalidParameterException("Auth flow not enabled for this client")


def _pool_of_client(backend: CognitoIdpBackend, client_id: str) -> CognitoIdpUserPool | None:
    return next((pool for pool in backend.user_pools.values() if client_id in pool.clients), None)


# SRP (RFC 5054's 3072-bit group, as Cognito and its client libraries use it).
_SRP_N = int(N_HEX, 16)
_SRP_G = int(G_HEX, 16)
_SRP_K = int(hex_hash("00" + N_HEX + "0" + G_HEX), 16)


@dataclass
class SrpExchange:
    """The server's side of one USER_SRP_AUTH sign-in, between its two calls."""

    pool_name: str  # the part of the pool id after the region, which Cognito hashes in
    user_id: str
    verifier: int
    small_b: int
    big_a: int
    big_b: int


def _srp_exchanges(backend: CognitoIdpBackend) -> dict[str, SrpExchange]:
    return backend.__dict__.setdefault("deploy_tier_srp", {})


def initiate_auth(
    self: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
) -> dict[str, Any]:
    """InitiateAuth with the client's auth flows enforced; USER_SRP_AUTH answered with a real
    salt and B, computed from the user's password verifier."""
    pool = _pool_of_client(self, client_id)
    _check_auth_flow(pool.clients[client_id] if pool else None, auth_flow)
    answer = _initiate_auth(self, client_id, auth_flow, auth_parameters)
    if auth_flow != "USER_SRP_AUTH" or pool is None:
        return answer
    big_a = int(auth_parameters["SRP_A"], 16)
    if big_a % _SRP_N == 0:
        raise NotAuthorizedError("Incorrect username or password.")
    challenge = answer["ChallengeParameters"]
    user = self.admin_get_user(pool.id, challenge["USERNAME"])
    pool_name = pool.id.split("_", 1)[1]
    salt = pad_hex(secrets.token_hex(16))
    secret = hash_sha256(f"{pool_name}{challenge['USER_ID_FOR_SRP']}:{user.password}".encode())
    verifier = pow(_SRP_G, int(hex_hash(salt + secret), 16), _SRP_N)
    small_b = secrets.randbits(256)
    big_b = (_SRP_K * verifier + pow(_SRP_G, small_b, _SRP_N)) % _SRP_N
    secret_block = base64.b64encode(secrets.token_bytes(64)).decode()
    # moto finds the sign-in by the secret block the client sends back.
    self.sessions[secret_block] = self.sessions[answer["Session"]]
    _srp_exchanges(self)[secret_block] = SrpExchange(
        pool_name, challenge["USER_ID_FOR_SRP"], verifier, small_b, big_a, big_b
    )
    challenge.update({"SALT": salt, "SRP_B": f"{big_b:x}", "SECRET_BLOCK": secret_block})
    return answer


def admin_initiate_auth(
    self: CognitoIdpBackend,
    user_pool_id: str,
    client_id: str,
    auth_flow: str,
    auth_parameters: dict[str, str],
) -> dict[str, Any]:
    """AdminInitiateAuth with the client's auth flows enforced."""
    _check_auth_flow(self.describe_user_pool(user_pool_id).clients.get(client_id), auth_flow)
    return _admin_initiate_auth(self, user_pool_id, client_id, auth_flow, auth_parameters)


def respond_to_auth_challenge(
    self: CognitoIdpBackend,
    session: str,
    client_id: str,
    challenge_name: str,
    challenge_responses: dict[str, str],
) -> dict[str, Any]:
    """PASSWORD_VERIFIER checks the client's proof (PASSWORD_CLAIM_SIGNATURE) as Cognito does: an
    HMAC, keyed with the SRP session key, of the pool's name, the user, the secret block and the
    timestamp. A proof made with another password is refused."""
    if challenge_name == "PASSWORD_VERIFIER":
        secret_block = challenge_responses.get("PASSWORD_CLAIM_SECRET_BLOCK", "")
        exchange = _srp_exchanges(self).pop(secret_block, None)
        if exchange is None:
            raise NotAuthorizedError("Incorrect username or password.")
        u = calculate_u(exchange.big_a, exchange.big_b)
        shared = pow(exchange.big_a * pow(exchange.verifier, u, _SRP_N), exchange.small_b, _SRP_N)
        key = compute_hkdf(bytes.fromhex(pad_hex(shared)), bytes.fromhex(pad_hex(f"{u:x}")))
        message = (
            exchange.pool_name.encode()
            + exchange.user_id.encode()
            + base64.b64decode(secret_block)
            + challenge_responses.get("TIMESTAMP", "").encode()
        )
        expected = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(expected, challenge_responses.get("PASSWORD_CLAIM_SIGNATURE", "")):
            raise NotAuthorizedError("Incorrect username or password.")
    return _respond_to_auth_challenge(self, session, client_id, challenge_name, challenge_responses)


def patch() -> None:
    """Teach moto's Application Auto Scaling handler tags, its Cognito handler
    DeleteResourceServer and the client-credentials grant, its Cognito backend the clients' auth
    flows and SRP, and its ELBv2 backend AWS's idempotent CreateTargetGroup."""
    ApplicationAutoScalingResponse.register_scalable_target = register_scalable_target
    ApplicationAutoScalingResponse.tag_resource = tag_resource
    ApplicationAutoScalingResponse.untag_resource = untag_resource
    ApplicationAutoScalingResponse.list_tags_for_resource = list_tags_for_resource
    CognitoIdpResponse.delete_resource_server = delete_resource_server
    CognitoIdpResponse.client_credentials_token = client_credentials_token
    CognitoIdpBackend.initiate_auth = initiate_auth
    CognitoIdpBackend.admin_initiate_auth = admin_initiate_auth
    CognitoIdpBackend.respond_to_auth_challenge = respond_to_auth_challenge
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


# CodeDeploy (terraform/modules/lambda_service/deployment.tf). moto 5.2 keeps applications and
# deployment groups but cannot update or delete them, answers a group's alarm configuration as
# empty (so every plan after an apply would change it), and leaves a deployment "Created" for ever.
# These add the missing calls and run a Lambda deployment as CodeDeploy ends one, at once: the
# AppSpec's alias moves from CurrentVersion to TargetVersion, unless one of the group's alarms is in
# ALARM or cannot be read, which stops the deployment and leaves the alias where it was (the
# rollback of a canary that never moved more than its first step).
_application_to_dict = Application.to_dict
_group_to_dict = DeploymentGroup.to_dict
_deployment_to_dict = DeploymentInfo.to_dict
_create_deployment = CodeDeployBackend.create_deployment
_UPDATABLE_GROUP_FIELDS = {
    "deploymentConfigName": "deployment_config_name",
    "serviceRoleArn": "service_role_arn",
    "alarmConfiguration": "alarm_configuration",
    "autoRollbackConfiguration": "auto_rollback_configuration",
    "deploymentStyle": "deployment_style",
    "triggerConfigurations": "trigger_configurations",
    "outdatedInstancesStrategy": "outdated_instances_strategy",
    "terminationHookEnabled": "termination_hook_enabled",
}


def _epoch(moment: str | None) -> float | None:
    """CodeDeploy's JSON gives times as epoch seconds (the Go SDK refuses moto's ISO strings)."""
    return None if moment is None else datetime.fromisoformat(moment).timestamp()


def application_to_dict(self: Application) -> dict[str, Any]:
    answer = _application_to_dict(self)
    return {**answer, "createTime": _epoch(answer["createTime"])}


def deployment_group_to_dict(self: DeploymentGroup) -> dict[str, Any]:
    answer = {**_group_to_dict(self), "alarmConfiguration": self.alarm_configuration or {}}
    # CodeDeploy leaves out what a group does not have; moto's empty load balancer info would read
    # back as an (empty) load_balancer_info block the configuration does not have.
    return {key: value for key, value in answer.items() if value != {} or key == "alarmConfiguration"}


def deployment_to_dict(self: DeploymentInfo) -> dict[str, Any]:
    answer = _deployment_to_dict(self)
    answer["errorInformation"] = getattr(self, "error_information", {})
    for moment in ("createTime", "startTime", "completeTime"):
        answer[moment] = _epoch(answer[moment])
    return answer


def delete_application(self: CodeDeployResponse) -> str:
    name = self._get_param("applicationName")
    self.codedeploy_backend.applications.pop(name, None)
    self.codedeploy_backend.deployment_groups.pop(name, None)
    return json.dumps({})


def delete_deployment_group(self: CodeDeployResponse) -> str:
    groups = self.codedeploy_backend.deployment_groups.get(self._get_param("applicationName"), {})
    groups.pop(self._get_param("deploymentGroupName"), None)
    return json.dumps({"hooksNotCleanedUp": []})


def update_deployment_group(self: CodeDeployResponse) -> str:
    application = self._get_param("applicationName")
    group = self.codedeploy_backend.get_deployment_group(
        application, self._get_param("currentDeploymentGroupName")
    )
    for parameter, attribute in _UPDATABLE_GROUP_FIELDS.items():
        if self._get_param(parameter) is not None:
            setattr(group, attribute, self._get_param(parameter))
    new_name = self._get_param("newDeploymentGroupName")
    if new_name and new_name != group.deployment_group_name:
        groups = self.codedeploy_backend.deployment_groups[application]
        groups[new_name] = groups.pop(group.deployment_group_name)
        group.deployment_group_name = new_name
    return json.dumps({"hooksNotCleanedUp": []})


def lambda_deployment_refusal(backend: CodeDeployBackend, group: DeploymentGroup) -> str | None:
    """Why CodeDeploy would stop this group's deployment on its alarms, or None."""
    configuration = group.alarm_configuration or {}
    if not configuration.get("enabled"):
        return None
    names = [alarm["name"] for alarm in configuration.get("alarms", [])]
    alarms = {
        alarm.name: alarm
        for alarm in cloudwatch_backends[backend.account_id][backend.region_name].alarms.values()
    }
    missing = [name for name in names if name not in alarms]
    if missing and not configuration.get("ignorePollAlarmFailure"):
        return f"ALARM_CONFIG_ERROR: cannot read {missing}"
    firing = [name for name in names if name in alarms and alarms[name].state_value == "ALARM"]
    return f"ALARM_ACTIVE: {firing}" if firing else None


def create_deployment(
    self: CodeDeployBackend, application_name: str, deployment_group_name: str, revision: Any, **settings: Any
) -> str:
    deployment_id = _create_deployment(self, application_name, deployment_group_name, revision, **settings)
    deployment = self.deployments[deployment_id]
    if deployment.application.compute_platform != "Lambda":
        return deployment_id
    (resource,) = [
        properties
        for entry in json.loads(revision["appSpecContent"]["content"])["Resources"]
        for properties in entry.values()
    ]
    target = resource["Properties"]
    functions = lambda_backends[self.account_id][self.region_name]
    alias = functions.get_alias(target["Alias"], target["Name"])
    refusal = lambda_deployment_refusal(self, deployment.deployment_group)
    if str(alias.function_version) != str(target["CurrentVersion"]):
        refusal = (
            f"INVALID_REVISION: {target['Alias']} points at {alias.function_version},"
            f" not {target['CurrentVersion']}"
        )
    if refusal is None:
        functions.update_alias(
            target["Alias"], target["Name"], str(target["TargetVersion"]), alias.description, None
        )
        deployment.status = "Succeeded"
    else:
        code, _, message = refusal.partition(": ")
        deployment.status = "Stopped" if code == "ALARM_ACTIVE" else "Failed"
        deployment.error_information = {"code": code, "message": message}
    return deployment_id


def teach_codedeploy() -> None:
    """Give moto's CodeDeploy what the Lambda traffic shifting needs (see above)."""
    Application.to_dict = application_to_dict
    DeploymentGroup.to_dict = deployment_group_to_dict
    DeploymentInfo.to_dict = deployment_to_dict
    CodeDeployResponse.delete_application = delete_application
    CodeDeployResponse.delete_deployment_group = delete_deployment_group
    CodeDeployResponse.update_deployment_group = update_deployment_group
    CodeDeployBackend.create_deployment = create_deployment


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


# On this busy 2-core machine a create's answer can come too late for the provider's SDK, which
# sends the call again: the retry then meets the first call's effect and the apply fails (seen:
# CreateRole answered 409 for a role one resource makes; the default egress rule of a security
# group just made was already revoked). AWS's SDK retries the same way, but AWS answers in time.
# These answer such a repeat as the first call was answered; any other duplicate still fails.
_create_role = IAMBackend.create_role
_revoke_security_group_egress = SecurityGroupBackend.revoke_security_group_egress
RETRY_WINDOW_SECONDS = 120.0
ALL_TRAFFIC = ("-1", "0.0.0.0/0")


def create_role(
    self: IAMBackend, role_name: str, assume_role_policy_document: str, *args: Any, **kwargs: Any
) -> Role:
    """A repeat of a CreateRole just answered (same name and trust policy, made within the retry
    window) gets that role; another role of the name is still EntityAlreadyExists."""
    for role in self.get_roles():
        repeat = role.name == role_name and role.assume_role_policy_document == assume_role_policy_document
        if repeat and (utcnow() - role.create_date).total_seconds() < RETRY_WINDOW_SECONDS:
            return role
    return _create_role(self, role_name, assume_role_policy_document, *args, **kwargs)


def revoke_security_group_egress(
    self: SecurityGroupBackend, group_name_or_id: str, ip_protocol: str, *args: Any, **kwargs: Any
) -> None:
    """A repeat of revoking a group's default egress rule (all traffic to 0.0.0.0/0, which the
    provider revokes once, right after creating the group) finds it gone and is answered as done."""
    ip_ranges = args[2] if len(args) > 2 else kwargs.get("ip_ranges", [])
    cidrs = [entry.get("CidrIp") for entry in ip_ranges if isinstance(entry, dict)]
    group = self.get_security_group_by_name_or_id(group_name_or_id, kwargs.get("vpc_id"))
    still_there = group is None or any(
        (rule.ip_protocol, rule.ip_range.get("CidrIp")) == ALL_TRAFFIC for rule in group.egress_rules
    )
    if (str(ip_protocol), *cidrs) == ALL_TRAFFIC and not still_there:
        return None
    return _revoke_security_group_egress(self, group_name_or_id, ip_protocol, *args, **kwargs)


def patch_retried_creates() -> None:
    """Teach moto to answer a late-answered CreateRole or default-egress revoke that is sent again."""
    IAMBackend.create_role = create_role
    SecurityGroupBackend.revoke_security_group_egress = revoke_security_group_egress


def main(argv: Sequence[str]) -> None:
    from moto.server import main as moto_main

    patch()
    patch_authorization()
    teach_codedeploy()
    patch_lambda()
    patch_retried_creates()
    moto_main(list(argv))


if __name__ == "__main__":
    main(sys.argv[1:])
