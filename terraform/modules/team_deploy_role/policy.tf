# What the team's roles may do. Reading (Describe/List/Get of configuration, never of data) is what
# a plan needs to refresh; every change is limited to the team's own resources: by the Team tag
# where the service authorises by tags, by the names the service's root gives them where it does
# not (DynamoDB tables, IAM roles, log groups, alarms, dashboards, functions), and to the one state
# key and image repository of the service. Shared resources are only used (attach a rule to the
# platform's listener, a security-group rule to its internal load balancer), never changed.

data "aws_iam_policy_document" "read" {
  # checkov:skip=CKV_AWS_356: a plan refreshes configuration across services whose Describe/List calls take no resource; data reads are not granted
  statement {
    sid       = "ReadConfiguration"
    actions   = var.read_actions
    resources = ["*"]
  }

  statement {
    sid       = "ReadThePlatformParameter"
    actions   = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = [var.platform.parameter_arn]
  }

  statement {
    sid       = "ReadOwnState"
    actions   = ["s3:GetObject"]
    resources = [local.arn.state]
  }

  statement {
    sid       = "ListOwnState"
    actions   = ["s3:ListBucket"]
    resources = [local.arn.bucket]
    condition {
      test     = "StringEquals"
      variable = "s3:prefix"
      values   = [var.state.key, "${var.state.key}.tflock"]
    }
  }
}

data "aws_iam_policy_document" "deploy" {
  # checkov:skip=CKV_AWS_356: "*" only where a Team tag condition limits the statement (and for ecr:GetAuthorizationToken and service-linked roles, which take no resource)
  source_policy_documents = [data.aws_iam_policy_document.read.json]

  statement {
    sid       = "WriteOwnStateAndLock"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [local.arn.state, "${local.arn.state}.tflock"]
  }

  statement {
    sid       = "SignInToTheRegistry"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushAndPullOwnImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [var.image_repository_arn]
  }

  statement {
    sid = "OwnTable"
    actions = [
      "dynamodb:CreateTable",
      "dynamodb:DeleteTable",
      "dynamodb:TagResource",
      "dynamodb:UntagResource",
      "dynamodb:UpdateContinuousBackups",
      "dynamodb:UpdateTable",
      "dynamodb:UpdateTimeToLive",
    ]
    resources = [local.arn.table, "${local.arn.table}/index/*"]
  }

  statement {
    sid = "OwnRoles"
    actions = [
      "iam:DeleteRole",
      "iam:DeleteRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    resources = [local.arn.roles]
  }

  # What gives a role permissions only for a role that carries the service's boundary (boundary.tf):
  # whatever policy the team writes, the role can do no more than the boundary allows.
  statement {
    sid       = "OwnRolesOnlyWithinTheBoundary"
    actions   = ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"]
    resources = [local.arn.roles]
    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.boundary.arn]
    }
  }

  statement {
    sid       = "OwnRolesAttachOnlyAwsServicePolicies"
    actions   = ["iam:AttachRolePolicy"]
    resources = [local.arn.roles]
    condition {
      test     = "ArnLike"
      variable = "iam:PolicyARN"
      values   = local.attachable_policies
    }
    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [aws_iam_policy.boundary.arn]
    }
  }

  statement {
    sid       = "OwnRolesDetachAwsServicePolicies"
    actions   = ["iam:DetachRolePolicy"]
    resources = [local.arn.roles]
    condition {
      test     = "ArnLike"
      variable = "iam:PolicyARN"
      values   = local.attachable_policies
    }
  }

  statement {
    sid       = "PassOwnRolesToItsTasksAndFunction"
    actions   = ["iam:PassRole"]
    resources = [local.arn.roles]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "codedeploy.amazonaws.com"]
    }
  }

  statement {
    sid       = "AutoscalingServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["dynamodb.application-autoscaling.amazonaws.com", "ecs.application-autoscaling.amazonaws.com", "ecs.amazonaws.com"]
    }
  }

  statement {
    sid = "OwnLogGroupsAlarmsDashboardFunctionSchedules"
    actions = [
      "cloudwatch:DeleteAlarms",
      "cloudwatch:DeleteDashboards",
      "cloudwatch:PutDashboard",
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:TagResource",
      "cloudwatch:UntagResource",
      "events:DeleteRule",
      "events:PutRule",
      "events:PutTargets",
      "events:RemoveTargets",
      "events:TagResource",
      "lambda:*",
      "logs:AssociateKmsKey",
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:DeleteRetentionPolicy",
      "logs:DisassociateKmsKey",
      "logs:PutRetentionPolicy",
      "logs:TagLogGroup",
      "logs:TagResource",
      "logs:UntagLogGroup",
      "logs:UntagResource",
    ]
    resources = [
      local.arn.log_groups, "${local.arn.log_groups}:*",
      local.arn.lambda_logs, "${local.arn.lambda_logs}:*",
      local.arn.alarms, local.arn.dashboard,
      local.arn.function, "${local.arn.function}:*",
      local.arn.schedules,
    ]
  }

  # Lambda mode: its own CodeDeploy application and deployment group (Terraform), and the
  # deployment the pipeline starts after an apply to shift `live` (reusable-deploy.yml).
  statement {
    sid = "OwnCodeDeployApplicationAndReleases"
    actions = [
      "codedeploy:CreateApplication",
      "codedeploy:CreateDeployment",
      "codedeploy:CreateDeploymentGroup",
      "codedeploy:DeleteApplication",
      "codedeploy:DeleteDeploymentGroup",
      "codedeploy:GetApplicationRevision",
      "codedeploy:GetDeployment",
      "codedeploy:RegisterApplicationRevision",
      "codedeploy:StopDeployment",
      "codedeploy:TagResource",
      "codedeploy:UntagResource",
      "codedeploy:UpdateDeploymentGroup",
    ]
    resources = [local.arn.deploy_app, local.arn.deploy_groups]
  }

  statement {
    sid       = "ReadCodeDeployConfigurations"
    actions   = ["codedeploy:GetDeploymentConfig"]
    resources = [local.arn.deploy_config]
  }

  # Services that authorise by tags: a create must carry the team's tag, a change or deletion is
  # allowed only on what carries it.
  statement {
    sid = "CreateTaggedAsTheTeam"
    actions = [
      "application-autoscaling:RegisterScalableTarget",
      "application-autoscaling:TagResource",
      "ec2:CreateSecurityGroup",
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ecs:CreateService",
      "ecs:RegisterTaskDefinition",
      "ecs:TagResource",
      "elasticloadbalancing:AddTags",
      "elasticloadbalancing:CreateListener",
      "elasticloadbalancing:CreateRule",
      "elasticloadbalancing:CreateTargetGroup",
      "kms:CreateKey",
      "kms:TagResource",
    ]
    resources = ["*"]
    condition {
      test     = local.request_tag.test
      variable = local.request_tag.variable
      values   = local.request_tag.values
    }
  }

  statement {
    sid       = "TagWhatItCreates"
    actions   = ["ec2:CreateTags"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = ["CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"]
    }
    condition {
      test     = local.request_tag.test
      variable = local.request_tag.variable
      values   = local.request_tag.values
    }
  }

  statement {
    sid = "ChangeOnlyWhatIsTaggedAsTheTeam"
    actions = [
      "application-autoscaling:DeleteScalingPolicy",
      "application-autoscaling:DeregisterScalableTarget",
      "application-autoscaling:PutScalingPolicy",
      "application-autoscaling:RegisterScalableTarget",
      "application-autoscaling:UntagResource",
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:DeleteSecurityGroup",
      "ec2:DeleteTags",
      "ec2:ModifySecurityGroupRules",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
      "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
      "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
      "ecs:DeleteService",
      "ecs:DeregisterTaskDefinition",
      "ecs:UntagResource",
      "ecs:UpdateService",
      "elasticloadbalancing:DeleteListener",
      "elasticloadbalancing:DeleteRule",
      "elasticloadbalancing:DeleteTargetGroup",
      "elasticloadbalancing:DeregisterTargets",
      "elasticloadbalancing:ModifyListener",
      "elasticloadbalancing:ModifyRule",
      "elasticloadbalancing:ModifyTargetGroup",
      "elasticloadbalancing:ModifyTargetGroupAttributes",
      "elasticloadbalancing:RegisterTargets",
      "elasticloadbalancing:RemoveTags",
      "elasticloadbalancing:SetRulePriorities",
      "kms:CreateAlias",
      "kms:CreateGrant",
      "kms:DeleteAlias",
      "kms:EnableKeyRotation",
      "kms:PutKeyPolicy",
      "kms:ScheduleKeyDeletion",
      "kms:UntagResource",
      "kms:UpdateAlias",
    ]
    resources = ["*"]
    condition {
      test     = local.team_tag.test
      variable = local.team_tag.variable
      values   = local.team_tag.values
    }
  }

  # Shared resources the root attaches to: it may add its own (team-tagged) rule, listener or
  # security-group rule to them and run its service on the cluster, but not change them.
  statement {
    sid = "AttachToThePlatform"
    actions = [
      "ec2:CreateSecurityGroup",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:RevokeSecurityGroupIngress",
      "elasticloadbalancing:CreateListener",
      "elasticloadbalancing:CreateRule",
    ]
    resources = compact([
      var.platform.vpc_arn,
      var.platform.internal_alb_arn,
      "arn:${local.partition}:ec2:${local.region}:${local.account}:security-group/${var.platform.internal_alb_security_group}",
      var.platform.public_listener_arn,
    ])
  }

  # Its own ECS service on the platform's cluster, and its own alias for its table's key, by name.
  statement {
    sid       = "OwnServiceOnTheCluster"
    actions   = ["ecs:CreateService", "ecs:DeleteService", "ecs:UpdateService"]
    resources = var.platform.cluster_arn == null ? ["arn:${local.partition}:ecs:${local.region}:${local.account}:service/none/${var.service}"] : ["${replace(var.platform.cluster_arn, ":cluster/", ":service/")}/${var.service}"]
  }

  statement {
    sid       = "OwnKeyAlias"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = [local.arn.key_alias]
  }

  statement {
    sid       = "AttachRoutesToThePlatformApi"
    actions   = ["apigateway:POST", "apigateway:PATCH", "apigateway:DELETE"]
    resources = var.platform.http_api_arn == null ? ["arn:${local.partition}:apigateway:${local.region}::/apis/none"] : ["${var.platform.http_api_arn}/routes*", "${var.platform.http_api_arn}/integrations*"]
  }
}
