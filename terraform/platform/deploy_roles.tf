# Who may deploy what: GitHub's OIDC provider, one deploy identity per service team (a role that
# applies its own root only, and a read-only one for its pull requests' plans), and the platform
# team's own roles, the only ones that change shared resources. See README "How a team ships".

variable "github_repository" {
  description = "The GitHub repository (owner/name) whose workflows deploy this environment."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository is owner/name."
  }
}

variable "state_bucket" {
  description = "The S3 bucket of every root's state (backend.hcl's bucket); each role may write only its own root's key, shopsmart/<environment>/<root>.tfstate."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket))
    error_message = "state_bucket is an S3 bucket name."
  }
}

variable "deploy_teams" {
  description = "The service teams that ship on their own: service => its Team tag (the team variable of its root) and its table's logical name."
  type = map(object({
    team  = string
    table = string
  }))
  default = {
    products = { team = "catalogue", table = "products" }
    cart     = { team = "cart", table = "carts" }
    orders   = { team = "checkout", table = "orders" }
  }

  validation {
    condition     = alltrue([for service in keys(var.deploy_teams) : contains(["products", "cart", "orders"], service)])
    error_message = "deploy_teams has a key per service root: products, cart, orders."
  }

  validation {
    condition     = length(distinct([for team in values(var.deploy_teams) : team.team])) == length(var.deploy_teams)
    error_message = "Each service has a team of its own: a Team tag shared by two services would let either change the other."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's OIDC provider for token.actions.githubusercontent.com; false when the account has one already (there is one per account)."
  type        = bool
  default     = true
}

locals {
  github_oidc_url = "token.actions.githubusercontent.com"
  platform_state  = "shopsmart/${var.environment_name}/platform.tfstate"

  # What a plan refreshes: configuration reads (Describe/List/Get, never of data) of every service a
  # service root uses; the platform's plans also read what only the platform makes.
  # Each team's permissions boundary (modules/team_deploy_role/boundary.tf), by service.
  permissions_boundary_names = { for service in keys(var.deploy_teams) : service => "${local.name}-${service}-boundary" }

  configuration_reads = [
    "apigateway:GET",
    "application-autoscaling:Describe*",
    "application-autoscaling:ListTagsForResource",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:GetDashboard",
    "cloudwatch:ListTagsForResource",
    "codedeploy:GetApplication",
    "codedeploy:GetDeploymentGroup",
    "codedeploy:ListTagsForResource",
    "dynamodb:DescribeContinuousBackups",
    "dynamodb:DescribeTable",
    "dynamodb:DescribeTimeToLive",
    "dynamodb:ListTagsOfResource",
    "ec2:Describe*",
    "ecr:DescribeImages",
    "ecr:DescribeRepositories",
    "ecs:Describe*",
    "ecs:List*",
    "elasticloadbalancing:Describe*",
    "events:Describe*",
    "events:ListTagsForResource",
    "events:ListTargetsByRule",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListResourceTags",
    "lambda:GetAlias",
    "lambda:GetFunction",
    "lambda:GetFunctionCodeSigningConfig",
    "lambda:GetFunctionConcurrency",
    "lambda:GetPolicy",
    "lambda:ListVersionsByFunction",
    "logs:DescribeLogGroups",
    "logs:ListTagsForResource",
    "logs:ListTagsLogGroup",
    "sts:GetCallerIdentity",
  ]
  platform_reads = [
    "acm:Describe*",
    "cognito-idp:DescribeResourceServer",
    "cognito-idp:DescribeUserPool",
    "cognito-idp:DescribeUserPoolClient",
    "cognito-idp:DescribeUserPoolDomain",
    "cognito-idp:GetGroup",
    "cognito-idp:GetUserPoolMfaConfig",
    "cognito-idp:ListTagsForResource",
    "dynamodb:Describe*",
    "dynamodb:List*",
    "ecr:Describe*",
    "ecr:GetLifecyclePolicy",
    "ecr:ListTagsForResource",
    "iam:GetOpenIDConnectProvider",
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetResourcePolicy",
    "sns:GetSubscriptionAttributes",
    "sns:GetTopicAttributes",
    "sns:ListTagsForResource",
    "ssm:Describe*",
    "ssm:ListTagsForResource",
    "wafv2:GetLoggingConfiguration",
    "wafv2:GetWebACL",
    "wafv2:GetWebACLForResource",
    "wafv2:ListTagsForResource",
  ]
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://${local.github_oidc_url}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 0 : 1

  url = "https://${local.github_oidc_url}"
}

module "team_deploy_role" {
  source   = "../modules/team_deploy_role"
  for_each = var.deploy_teams

  service                   = each.key
  team                      = each.value.team
  permissions_boundary_name = local.permissions_boundary_names[each.key]
  table                     = each.value.table
  environment_name          = var.environment_name
  read_actions              = local.configuration_reads
  assume_role_policies = {
    deploy = data.aws_iam_policy_document.github_trust["${each.key}/deploy"].json
    plan   = data.aws_iam_policy_document.github_trust["${each.key}/plan"].json
  }
  state = {
    bucket = var.state_bucket
    key    = "shopsmart/${var.environment_name}/services/${each.key}.tfstate"
  }
  image_repository_arn = aws_ecr_repository.service[each.key].arn
  platform = {
    parameter_arn               = aws_ssm_parameter.platform.arn
    vpc_arn                     = "arn:${data.aws_partition.current.partition}:ec2:${var.region}:${data.aws_caller_identity.current.account_id}:vpc/${module.network.network_vpc_id}"
    cluster_arn                 = try(aws_ecs_cluster.this[0].arn, null)
    public_listener_arn         = try(module.public_alb[0].alb_listener_arn, null)
    internal_alb_arn            = module.internal_alb.alb_arn
    internal_alb_security_group = module.internal_alb.alb_security_group_id
    http_api_arn                = try("arn:${data.aws_partition.current.partition}:apigateway:${var.region}::/apis/${module.http_api[0].http_api_id}", null)
  }
}

# Who may assume each role, for every identity alike: a release role only from its environment of
# this stage on main, a plan role only from its plan environment on a pull request's merge ref. The
# repository's OIDC subject template includes repo, context and ref (README "How a team ships").
data "aws_iam_policy_document" "github_trust" {
  for_each = {
    for pair in setproduct(concat(keys(var.deploy_teams), ["platform"]), ["deploy", "plan"]) : "${pair[0]}/${pair[1]}" => {
      test        = pair[1] == "deploy" ? "StringEquals" : "StringLike"
      environment = pair[1] == "deploy" ? "${pair[0]}-${var.environment_name}" : "${pair[0]}-${var.environment_name}-plan"
      ref         = pair[1] == "deploy" ? "refs/heads/main" : "refs/pull/*/merge"
    }
  }

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [one(concat(aws_iam_openid_connect_provider.github[*].arn, data.aws_iam_openid_connect_provider.github[*].arn))]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_url}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = each.value.test
      variable = "${local.github_oidc_url}:sub"
      values   = ["repo:${var.github_repository}:environment:${each.value.environment}:ref:${each.value.ref}"]
    }
  }
}

# The platform team's roles: the platform root changes the shared resources and the teams' roles,
# so its release role may do anything except write a team's state or push a team's image.
resource "aws_iam_role" "platform_deploy" {
  for_each = toset(["deploy", "plan"])

  name                 = "shopsmart-${var.environment_name}-${each.key}-platform"
  description          = "${each.key == "deploy" ? "Applies" : "Plans"} terraform/platform (${var.environment_name}), from the platform team's GitHub workflow only."
  assume_role_policy   = data.aws_iam_policy_document.github_trust["platform/${each.key}"].json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "platform_deploy" {
  # checkov:skip=CKV_AWS_356: the platform root creates and changes every shared resource and the teams' roles; it is the one role that may
  # checkov:skip=CKV_AWS_355: as above
  # checkov:skip=CKV_AWS_1: as above
  # checkov:skip=CKV_AWS_49: as above
  # checkov:skip=CKV_AWS_107: as above
  # checkov:skip=CKV_AWS_108: as above
  # checkov:skip=CKV_AWS_109: as above
  # checkov:skip=CKV_AWS_110: as above
  # checkov:skip=CKV_AWS_111: as above
  # checkov:skip=CKV2_AWS_40: as above
  statement {
    sid       = "ChangeTheShop"
    actions   = ["*"]
    resources = ["*"]
  }

  statement {
    sid     = "NotTheTeamsStateOrImages"
    effect  = "Deny"
    actions = ["s3:PutObject", "s3:DeleteObject", "ecr:PutImage", "ecr:BatchDeleteImage"]
    resources = concat(
      [for service in keys(var.deploy_teams) : "arn:${data.aws_partition.current.partition}:s3:::${var.state_bucket}/shopsmart/${var.environment_name}/services/${service}.tfstate*"],
      [for service in keys(var.deploy_teams) : aws_ecr_repository.service[service].arn],
    )
  }
}

data "aws_iam_policy_document" "platform_plan" {
  # checkov:skip=CKV_AWS_356: a plan refreshes configuration across services whose Describe/List calls take no resource
  statement {
    sid       = "ReadTheShop"
    actions   = concat(local.configuration_reads, local.platform_reads)
    resources = ["*"]
  }

  statement {
    sid       = "ReadItsParameter"
    actions   = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = [aws_ssm_parameter.platform.arn]
  }

  statement {
    sid       = "ReadItsState"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::${var.state_bucket}", "arn:${data.aws_partition.current.partition}:s3:::${var.state_bucket}/${local.platform_state}"]
  }
}

resource "aws_iam_role_policy" "platform" {
  for_each = {
    deploy = data.aws_iam_policy_document.platform_deploy.json
    plan   = data.aws_iam_policy_document.platform_plan.json
  }

  name   = each.key == "deploy" ? "the-platform" : "read-the-platform"
  role   = aws_iam_role.platform_deploy[each.key].id
  policy = each.value
}

output "deploy_roles" {
  description = "Each GitHub environment's AWS_ROLE_ARN: <service>-<environment> and platform-<environment> release, <…>-plan read only."
  value = merge(
    merge([for service, role in module.team_deploy_role : {
      "${service}-${var.environment_name}"      = role.team_deploy_role_arn
      "${service}-${var.environment_name}-plan" = role.team_deploy_role_plan_arn
    }]...),
    {
      "platform-${var.environment_name}"      = aws_iam_role.platform_deploy["deploy"].arn
      "platform-${var.environment_name}-plan" = aws_iam_role.platform_deploy["plan"].arn
    },
  )
}
