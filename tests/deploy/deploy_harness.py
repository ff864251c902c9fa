"""The deploy tier's harness: the real `terraform` against moto's server, every root, both compute modes.

Each compute mode gets a copy of `terraform/` in a temporary directory and an emulator of its own
(`emulator.py`: moto's server with Application Auto Scaling tagging added). The test writes a
`deploy_tier_override.tf` into each copied root, which keeps state locally and points the AWS
provider at the emulator; the roots in the repository are never touched. The commands are the
README's: `init`, `validate`, `plan -var-file=example.tfvars`, `apply`, `destroy`, one root at a
time, the platform first.

Providers come from `TF_PLUGIN_DIR` (`make deploy-check` sets it to /opt/tf-plugins when that
mirror exists), else from the CLI configuration (`TF_CLI_CONFIG_FILE`, e.g. a filesystem mirror),
else from the registry into a shared plugin cache. A missing `terraform` fails the tier.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from devstack import MotoServer
from devstack.ports import LOCALHOST

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO_ROOT / "terraform"
EMULATOR = Path(__file__).with_name("emulator.py")
PLATFORM = "platform"
SERVICE_ROOTS = ("services/products", "services/cart", "services/orders")
ROOTS = (PLATFORM, *SERVICE_ROOTS)
COMPUTE_MODES = ("ecs", "lambda")
EXAMPLE_VARIABLES = "example.tfvars"
OVERRIDE_FILE = "deploy_tier_override.tf"
# Providers fetched from the registry are kept here between runs (.local is not committed).
PLUGIN_CACHE = REPO_ROOT / ".local" / "terraform-plugin-cache"
REGION = "eu-west-1"  # the example variables' region
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "deploy-tier", "AWS_SECRET_ACCESS_KEY": "deploy-tier"}
BOTO_CREDENTIALS = {"aws_access_key_id": "deploy-tier", "aws_secret_access_key": "deploy-tier"}
# Every AWS API the roots call, by the provider's endpoint names (the same in 5.x and 6.x).
ENDPOINTS = [
    "acm",
    "apigatewayv2",
    "appautoscaling",
    "cloudfront",
    "cloudwatch",
    "cognitoidp",
    "deploy",
    "dynamodb",
    "ec2",
    "ecr",
    "ecs",
    "elbv2",
    "events",
    "iam",
    "kms",
    "lambda",
    "logs",
    "s3",
    "secretsmanager",
    "sns",
    "ssm",
    "sts",
    "wafv2",
]
# Tearing the rehearsal down needs its tables and load balancers unprotected.
REHEARSAL_VARIABLES = {"deletion_protection": "false"}
# What moto does not give back as the provider sent it, so that a plan right after an apply shows
# it as an update: resource type → attributes. tests/deploy ignores exactly these when it asks
# whether a plan changes anything; every other difference counts.
EMULATOR_DRIFT = {
    # DescribeServices answers neither the grace period nor the zone rebalancing it was given.
    "aws_ecs_service": frozenset({"health_check_grace_period_seconds", "availability_zone_rebalancing"}),
    # A rule that references another security group comes back without its description.
    "aws_vpc_security_group_ingress_rule": frozenset({"description"}),
    "aws_vpc_security_group_egress_rule": frozenset({"description"}),
    # moto answers a cache behaviour with an empty legacy ForwardedValues (the CDN uses a cache
    # policy instead) and the default certificate with SSLSupportMethod "sni-only".
    "aws_cloudfront_distribution": frozenset({"default_cache_behavior", "viewer_certificate"}),
}
PLAN_CHANGES = 2  # `plan -detailed-exitcode`: 0 no changes, 1 error, 2 changes
LOG_TAIL_CHARACTERS = 4000


def find_terraform() -> str:
    """The terraform binary on PATH; the tier fails, never skips, without it."""
    binary = shutil.which("terraform")
    if binary is None:
        pytest.fail(
            "terraform is not on PATH: the deploy tier runs the real binary (1.11 or newer). "
            "Install it (developer.hashicorp.com/terraform/install), then run `make deploy-check` again.",
            pytrace=False,
        )
    return binary


def plugin_arguments(environ: Mapping[str, str]) -> list[str]:
    """`init` arguments that take providers from TF_PLUGIN_DIR when it is given."""
    plugin_dir = environ.get("TF_PLUGIN_DIR")
    if not plugin_dir:
        return []
    if not Path(plugin_dir).is_dir():
        pytest.fail(f"TF_PLUGIN_DIR={plugin_dir} is not a directory (a provider mirror)", pytrace=False)
    return [f"-plugin-dir={Path(plugin_dir).resolve()}"]


def terraform_environment(environ: Mapping[str, str], plugin_cache: Path) -> dict[str, str]:
    """The environment terraform runs in: the emulator's credentials, no prompts, no checkpoint
    calls, and a shared plugin cache when providers come from the registry."""
    variables = {
        key: value for key, value in environ.items() if not key.startswith("AWS_") or key in CREDENTIALS
    }
    variables.update(CREDENTIALS)
    variables.update({"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"})
    if not environ.get("TF_PLUGIN_DIR"):
        plugin_cache.mkdir(parents=True, exist_ok=True)
        variables.setdefault("TF_PLUGIN_CACHE_DIR", str(plugin_cache))
    return variables


def override_text(endpoint_url: str, state_path: Path) -> str:
    """The provider and backend override a copied root gets: local state, every API at the emulator."""
    endpoints = "\n".join(f'    {name:<15} = "{endpoint_url}"' for name in ENDPOINTS)
    return f"""# Written by tests/deploy for one rehearsal; never committed (*_override.tf is ignored).
terraform {{
  backend "local" {{
    path = "{state_path}"
  }}
}}

provider "aws" {{
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true

  endpoints {{
{endpoints}
  }}
}}
"""


class Emulator(MotoServer):
    """The deploy tier's moto server (emulator.py), on a port of its own."""

    name = "moto server (deploy tier emulator)"

    def command(self) -> list[str]:
        return [sys.executable, str(EMULATOR), "-H", LOCALHOST, "-p", str(self.port)]


@dataclass(frozen=True)
class Result:
    """One terraform command in one root: its arguments, exit status and output."""

    root: str
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def tail(self) -> str:
        return self.output[-LOG_TAIL_CHARACTERS:]


@dataclass
class Deployment:
    """A copy of terraform/ whose roots deploy to one emulator, in one compute mode."""

    compute: str
    workdir: Path
    emulator: Emulator
    terraform: str
    env: dict[str, str]
    init_arguments: list[str]
    platform_inputs: dict[str, str] = field(default_factory=dict)
    log: list[Result] = field(default_factory=list)

    @classmethod
    def create(cls, compute: str, workdir: Path, emulator: Emulator, terraform: str) -> Deployment:
        shutil.copytree(
            TERRAFORM_DIR, workdir / "terraform", ignore=shutil.ignore_patterns(".terraform", "*.tfstate*")
        )
        deployment = cls(
            compute=compute,
            workdir=workdir,
            emulator=emulator,
            terraform=terraform,
            env=terraform_environment(os.environ, PLUGIN_CACHE),
            init_arguments=plugin_arguments(os.environ),
        )
        # The platform expects the shop's certificate to exist already, as it would in ACM.
        acm = boto3.client("acm", endpoint_url=emulator.endpoint_url, region_name=REGION, **BOTO_CREDENTIALS)
        certificate = acm.request_certificate(DomainName="shop.example.com")["CertificateArn"]
        deployment.platform_inputs["certificate_arn"] = certificate
        for root in ROOTS:
            state = workdir / "state" / f"{root.replace('/', '-')}.tfstate"
            state.parent.mkdir(parents=True, exist_ok=True)
            (deployment.root(root) / OVERRIDE_FILE).write_text(override_text(emulator.endpoint_url, state))
        global_override = global_override_text(emulator.endpoint_url)
        (deployment.root(PLATFORM) / GLOBAL_OVERRIDE_FILE).write_text(global_override)
        return deployment

    def root(self, root: str) -> Path:
        return self.workdir / "terraform" / root

    def variables(self, root: str, **overrides: str) -> list[str]:
        """The root's example variables, this deployment's compute mode and the rehearsal's settings."""
        platform = {"compute": self.compute, **self.platform_inputs} if root == PLATFORM else {}
        values = {**REHEARSAL_VARIABLES, **platform, **overrides}
        return [f"-var-file={EXAMPLE_VARIABLES}", *(f"-var={name}={value}" for name, value in values.items())]

    def run(self, root: str, *args: str, ok: tuple[int, ...] = (0,)) -> Result:
        """`terraform -chdir=<root> <args>`; fails the test, with the output's end, on another status."""
        command = [self.terraform, f"-chdir={self.root(root)}", *args]
        started = time.monotonic()
        completed = subprocess.run(command, env=self.env, capture_output=True, text=True, check=False)
        result = Result(
            root,
            tuple(args),
            completed.returncode,
            completed.stdout,
            completed.stderr,
            time.monotonic() - started,
        )
        self.log.append(result)
        if result.returncode not in ok:
            pytest.fail(
                f"[{self.compute}] terraform {' '.join(args)} in {root} exited {result.returncode}:\n"
                f"{result.tail()}",
                pytrace=False,
            )
        return result

    def init(self, root: str) -> Result:
        # The root's committed lock file, as is: a provider it does not pin fails here, not in AWS.
        return self.run(root, "init", "-input=false", "-no-color", "-lockfile=readonly", *self.init_arguments)

    def plan(self, root: str, **overrides: str) -> tuple[Result, dict]:
        """A saved plan with -detailed-exitcode, and its JSON rendering."""
        result = self.run(
            root,
            "plan",
            "-input=false",
            "-no-color",
            "-detailed-exitcode",
            "-out=tfplan",
            *self.variables(root, **overrides),
            ok=(0, PLAN_CHANGES),
        )
        shown = self.run(root, "show", "-json", "-no-color", "tfplan")
        return result, json.loads(shown.stdout)

    def apply(self, root: str, **overrides: str) -> Result:
        return self.run(
            root, "apply", "-input=false", "-no-color", "-auto-approve", *self.variables(root, **overrides)
        )

    def destroy(self, root: str) -> Result:
        return self.run(root, "destroy", "-input=false", "-no-color", "-auto-approve", *self.variables(root))

    def state(self, root: str) -> list[str]:
        return self.run(root, "state", "list").stdout.split()

    def client(self, service: str):
        """A boto3 client of this deployment's emulator."""
        return boto3.client(
            service, endpoint_url=self.emulator.endpoint_url, region_name=REGION, **BOTO_CREDENTIALS
        )

    def apply_service_roots(self) -> None:
        """Apply each team's saved plan; the roots depend on the platform only, never on one another."""
        with ThreadPoolExecutor(max_workers=len(SERVICE_ROOTS)) as pool:
            list(
                pool.map(
                    lambda root: self.run(root, "apply", "-input=false", "-no-color", "tfplan"), SERVICE_ROOTS
                )
            )

    def outputs(self, root: str) -> dict:
        return {
            name: value["value"]
            for name, value in json.loads(self.run(root, "output", "-json").stdout).items()
        }


def emulator_drift_removed(plan: dict) -> dict:
    """The plan with updates that differ only in EMULATOR_DRIFT turned into no-ops."""
    changes = []
    for change in plan.get("resource_changes", []):
        details = change["change"]
        if details["actions"] == ["update"]:
            before, after, unknown = details["before"], details["after"], details.get("after_unknown") or {}
            differing = {
                key for key in {*before, *after} if before.get(key) != after.get(key) or unknown.get(key)
            }
            if differing <= EMULATOR_DRIFT.get(change["type"], frozenset()):
                change = {**change, "change": {**details, "actions": ["no-op"]}}
        changes.append(change)
    return {**plan, "resource_changes": changes}


def changed_addresses(plan: dict) -> dict[str, list[str]]:
    """Resource addresses a plan would change, with their actions (no-ops and reads left out)."""
    return {
        change["address"]: change["change"]["actions"]
        for change in plan.get("resource_changes", [])
        if set(change["change"]["actions"]) - {"no-op", "read"}
    }


@dataclass
class Planned:
    """A deployment whose platform was planned and applied, and whose service roots were planned."""

    deployment: Deployment
    plans: dict[str, tuple[Result, dict]]


def plan_everything(deployment: Deployment, validate: bool) -> Planned:
    """init (and validate) every root, plan and apply the platform, then plan the service roots
    (in parallel: they only read the platform)."""
    with ThreadPoolExecutor(max_workers=len(ROOTS)) as pool:
        list(pool.map(deployment.init, ROOTS))
        if validate:
            list(pool.map(lambda root: deployment.run(root, "validate", "-no-color"), ROOTS))
    plans = {PLATFORM: deployment.plan(PLATFORM)}
    deployment.run(PLATFORM, "apply", "-input=false", "-no-color", "tfplan")
    with ThreadPoolExecutor(max_workers=len(SERVICE_ROOTS)) as pool:
        plans.update(zip(SERVICE_ROOTS, pool.map(deployment.plan, SERVICE_ROOTS), strict=True))
    return Planned(deployment, plans)


def result_of(planned: dict[str, Future[Planned]], compute: str) -> Planned:
    """The mode's plans; a failure while planning fails each test that needs them, with its message."""
    return planned[compute].result()


# The platform's us-east-1 provider (`aws.global`, for CloudFront's web ACL) goes to the emulator too.
GLOBAL_OVERRIDE_FILE = "deploy_tier_global_override.tf"


def global_override_text(endpoint_url: str) -> str:
    """The override of the platform's `aws.global` provider: every API at the emulator."""
    endpoints = "\n".join(f'    {name:<15} = "{endpoint_url}"' for name in ENDPOINTS)
    return f"""# Written by tests/deploy for one rehearsal; never committed (*_override.tf is ignored).
provider "aws" {{
  alias                       = "global"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true

  endpoints {{
{endpoints}
  }}
}}
"""
