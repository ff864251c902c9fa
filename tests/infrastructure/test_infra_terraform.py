"""Every .tf file parses, every module has the expected shape, and every reference resolves.

The unit tier's quick check (the deploy tier runs the real `terraform validate` and `plan`): a variable,
local, resource, data source, module or module output that is referenced must be declared, and a
module call must pass only declared variables and every required one.
"""

from __future__ import annotations

import re
from pathlib import Path

import hcl2
import pytest
from hcl2.utils import SerializationOptions

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_FILES = sorted((REPO_ROOT / "terraform").rglob("*.tf"))
MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")
META_ARGUMENTS = frozenset({"source", "version", "count", "for_each", "depends_on", "providers"})
WITHOUT_COMMENTS = SerializationOptions(with_comments=False, strip_string_quotes=True)

VARIABLE = re.compile(r"(?<![\w.])var\.(\w+)")
LOCAL = re.compile(r"(?<![\w.])local\.(\w+)")
MODULE_OUTPUT = re.compile(r"(?<![\w.])module\.(\w+)(?:\[[^\]]*\])?(?:\.(\w+))?")
DATA_SOURCE = re.compile(r"(?<![\w.])data\.(\w+)\.(\w+)")
RESOURCE = re.compile(r"(?<![\w.])((?:aws|random)_\w+|terraform_data)\.(\w+)")


def test_the_terraform_tree_exists() -> None:
    assert len(TERRAFORM_FILES) > 20


@pytest.mark.parametrize("path", TERRAFORM_FILES, ids=lambda path: str(path.relative_to(REPO_ROOT)))
def test_every_tf_file_parses(path: Path) -> None:
    parsed = hcl2.loads(path.read_text())
    assert isinstance(parsed, dict)


def test_each_module_has_its_files_and_a_pinned_provider(terraform) -> None:
    assert set(terraform.modules) >= {
        "dynamodb_table",
        "service",
        "network",
        "alb",
        "monitoring",
        "identity",
        "lambda_service",
        "http_api",
        "http_api_routes",
        "alb_route",
        "service_monitoring",
        "shop_service",
    }
    for module in terraform.all:
        present = {path.name for path in module.path.iterdir()}
        required = MODULE_FILES if module in terraform.modules.values() else ("versions.tf", "outputs.tf")
        assert set(required) <= present, f"{module.path} lacks {set(required) - present}"
        aws = module.files["versions.tf"]["terraform"][0]["required_providers"][0]["aws"]
        assert aws["source"] == "hashicorp/aws"
        assert ">=" in aws["version"] and "<" in aws["version"].replace("<=", ""), aws["version"]


def test_every_variable_has_a_description_and_a_type(terraform) -> None:
    for module in terraform.all:
        for name, variable in module.variables.items():
            assert variable.get("description"), f"{module.name}: variable {name} has no description"
            assert variable.get("type"), f"{module.name}: variable {name} has no type"


def test_module_outputs_are_described_and_prefixed(terraform) -> None:
    for module in terraform.modules.values():
        prefixes = (f"{module.name}_", f"{module.name.split('_')[0]}_")
        for name, output in module.outputs.items():
            assert output.get("description"), f"{module.name}: output {name} has no description"
            assert name.startswith(prefixes), f"{module.name}: output {name} is not prefixed {prefixes}"


def _unresolved(root, terraform) -> list[str]:
    """References in `root` to anything it does not declare."""
    resources = set(root.resources)
    data_sources = set(root.data)
    problems = []
    # A moved block names a former address on purpose.
    current = [
        {kind: blocks for kind, blocks in parsed.items() if kind != "moved"} for parsed in root.files.values()
    ]
    for text in terraform.expressions(current):
        for name in VARIABLE.findall(text):
            if name not in root.variables:
                problems.append(f"var.{name}")
        for name in LOCAL.findall(text):
            if name not in root.locals:
                problems.append(f"local.{name}")
        for call, output in MODULE_OUTPUT.findall(text):
            if call not in root.module_calls:
                problems.append(f"module.{call}")
            elif output and output not in terraform.called_module(root, call).outputs:
                problems.append(f"module.{call}.{output}")
        for kind, name in DATA_SOURCE.findall(text):
            if f"{kind}.{name}" not in data_sources:
                problems.append(f"data.{kind}.{name}")
        for kind, name in RESOURCE.findall(DATA_SOURCE.sub("", text)):
            if f"{kind}.{name}" not in resources:
                problems.append(f"{kind}.{name}")
    return sorted(set(problems))


def test_every_reference_resolves(terraform) -> None:
    for root in terraform.all:
        assert _unresolved(root, terraform) == [], f"unresolved references in {root.path}"


def test_module_calls_pass_declared_and_required_variables(terraform) -> None:
    for root in terraform.all:
        for call, arguments in root.module_calls.items():
            module = terraform.called_module(root, call)
            passed = set(arguments) - META_ARGUMENTS
            assert passed <= set(module.variables), (
                f"{root.name}: module.{call} passes unknown {passed - set(module.variables)}"
            )
            required = {name for name, variable in module.variables.items() if "default" not in variable}
            assert required <= passed, f"{root.name}: module.{call} misses required {required - passed}"


def test_the_reference_check_notices_a_typo(terraform) -> None:
    platform = terraform.platform
    original = platform.files["outputs.tf"]
    broken = {"output": [{"shop_url": {"value": "${module.monitoring.monitoring_dashbord_url}"}}]}
    platform.files["outputs.tf"] = broken
    try:
        assert _unresolved(platform, terraform) == ["module.monitoring.monitoring_dashbord_url"]
    finally:
        platform.files["outputs.tf"] = original


def test_each_root_has_example_variables_and_a_backend_example_with_its_own_state_key(terraform) -> None:
    keys = set()
    for root in terraform.roots:
        example = hcl2.loads(
            (root.path / "example.tfvars").read_text(), serialization_options=WITHOUT_COMMENTS
        )
        required = {name for name, variable in root.variables.items() if "default" not in variable}
        assert required <= set(example), f"{root.path}/example.tfvars lacks {required - set(example)}"
        assert set(example) <= set(root.variables)
        backend = root.files["backend.tf"]["terraform"][0]["backend"][0]
        assert "s3" in backend
        backend_example = hcl2.loads(
            (root.path / "backend.hcl.example").read_text(), serialization_options=WITHOUT_COMMENTS
        )
        assert {"bucket", "key", "region", "use_lockfile", "encrypt"} <= set(backend_example)
        keys.add(backend_example["key"])
    assert len(keys) == len(terraform.roots)


def test_the_platform_outputs_the_shop_url_dashboard_and_its_parameter(terraform) -> None:
    assert {"shop_url", "dashboard_url", "platform_parameter_name"} <= set(terraform.platform.outputs)
    for service in terraform.services.values():
        assert {"table_name", "dashboard_url", "image"} <= set(service.outputs)


def test_every_root_admits_provider_5_and_6_and_nothing_needs_another_provider(terraform) -> None:
    for root in terraform.all:
        providers = root.files["versions.tf"]["terraform"][0]["required_providers"][0]
        assert set(providers) == {"aws"}, root.path
        assert providers["aws"]["version"] == ">= 5.100.0, < 7.0.0", root.path


def test_a_service_root_reads_the_platform_from_its_ssm_parameter(terraform) -> None:
    published = terraform.platform.resources["aws_ssm_parameter.platform"]
    assert published["value"] == "${jsonencode(local.published)}"
    assert (
        terraform.platform.locals["platform_parameter_name"] == "/shopsmart/${var.environment_name}/platform"
    )
    contract = terraform.modules["shop_service"].variables["platform"]["type"]
    for name, service in terraform.services.items():
        parameter = service.data["aws_ssm_parameter.platform"]
        assert parameter["name"] == "/shopsmart/${var.environment_name}/platform"
        assert service.locals["platform"] == "${jsondecode(data.aws_ssm_parameter.platform.insecure_value)}"
        assert service.module_calls[name]["platform"] == "${local.platform}"
    # Everything the service module asks of the platform is published.
    for key in re.findall(r"(\w+)\s*=", contract.removeprefix("${object({").split("validation")[0]):
        assert key in terraform.platform.locals["published"], key


def test_every_service_root_tags_what_it_makes_with_its_service_and_team(terraform) -> None:
    for name, service in terraform.services.items():
        provider = service.files["versions.tf"]["provider"][0]["aws"]
        tags = provider["default_tags"][0]["tags"]
        assert tags["Service"] == name
        assert tags["Team"] == "${var.team}"
        assert service.variables["team"]["default"]


def test_every_root_and_module_needs_terraform_1_11(terraform) -> None:
    """The roots use write-only attributes (1.11) and the S3 backend's use_lockfile (1.10)."""
    for root in terraform.all:
        assert root.files["versions.tf"]["terraform"][0]["required_version"] == ">= 1.11.0", root.path


def test_each_root_commits_its_lock_file_and_no_module_does(terraform) -> None:
    """A root's lock file pins the provider its plans were made with; git must keep it."""
    ignored = {line.strip() for line in (REPO_ROOT / ".gitignore").read_text().splitlines() if line.strip()}
    assert ".terraform.lock.hcl" not in ignored
    assert "terraform/modules/**/.terraform.lock.hcl" in ignored
    for root in terraform.roots:
        lock = hcl2.loads((root.path / ".terraform.lock.hcl").read_text())
        (provider,) = lock["provider"]
        (pinned,) = provider.values()
        assert [name.strip('"') for name in provider] == ["registry.terraform.io/hashicorp/aws"], root.path
        major = int(pinned["version"].strip('"').split(".")[0])
        assert 5 <= major < 7 and pinned["hashes"], (root.path, pinned)


def test_the_service_roots_inputs_differ_only_by_service_and_hold_no_default_of_their_own(terraform) -> None:
    """One place for each default: modules/shop_service. A root's object inputs are optional()
    attributes without defaults, so what a team leaves out is the module's."""
    normalised = {
        (root.path / "variables.tf")
        .read_text()
        .replace(f'default     = "{root.variables["team"]["default"]}"', 'default     = "<team>"')
        .replace(name, "<service>")
        for name, root in terraform.services.items()
    }
    assert len(normalised) == 1, "the service roots' variables.tf differ beyond service and team"
    composition = terraform.modules["shop_service"].variables
    for name, root in terraform.services.items():
        for variable in ("capacity", "table_autoscaling", "alarm_thresholds"):
            declared = root.variables[variable]["type"]
            assert re.findall(r"optional\((\w+)\)", declared), (name, variable)
            assert not re.search(r"optional\(\w+,", declared), (name, variable)
            # The same attributes as the module's, so none is silently dropped.
            assert re.findall(r"(\w+)\s*=\s*optional", declared) == re.findall(
                r"(\w+)\s*=\s*optional", composition[variable]["type"]
            ), (name, variable)
        for variable in ("table_billing_mode", "deletion_protection"):
            assert root.variables[variable]["default"] is None, (name, variable)
            assert composition[variable]["nullable"] is False, variable
