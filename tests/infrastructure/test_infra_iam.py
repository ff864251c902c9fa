"""Each service's role can touch only its own table, with exactly the DynamoDB actions its code uses.

The actions are read from the services' source: every DynamoDB operation called on the boto3
client (names checked against botocore's model of DynamoDB), the `dynamo_common` helpers they call
(e.g. `batch_get` → BatchGetItem), and for TransactWriteItems the actions of its parts (`Put`,
`Update`, `Delete`, `ConditionCheck`), which is what IAM authorises a transaction by.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from functools import cache
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name

import dynamo_common

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"products": "products_service", "cart": "cart_service", "orders": "orders_service"}
# IAM authorises a transaction by the actions of its parts, not by an action of its own.
TRANSACTION_PARTS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
TRANSACTIONS = {"TransactWriteItems"}


@cache
def dynamodb_operations() -> dict[str, str]:
    """boto3 method name → DynamoDB operation, e.g. `batch_get_item` → `BatchGetItem`."""
    model = botocore.session.get_session().get_service_model("dynamodb")
    return {xform_name(operation): operation for operation in model.operation_names}


def operations_in(tree: ast.AST) -> set[str]:
    """DynamoDB operations named as attributes of anything (`self._client.query`, `client.scan`)."""
    operations = dynamodb_operations()
    return {
        operations[node.attr]
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in operations
    }


def _module_function_operations(module_source: str) -> dict[str, set[str]]:
    """Operations each function of a module reaches, following calls to the module's own functions."""
    functions = {
        node.name: node for node in ast.parse(module_source).body if isinstance(node, ast.FunctionDef)
    }
    calls = {
        name: {
            node.func.id
            for node in ast.walk(function)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions
        }
        for name, function in functions.items()
    }
    reached = {name: operations_in(function) for name, function in functions.items()}
    changed = True
    while changed:
        changed = False
        for name, callees in calls.items():
            before = len(reached[name])
            for callee in callees:
                reached[name] |= reached[callee]
            changed |= len(reached[name]) != before
    return reached


@cache
def helper_operations() -> dict[str, frozenset[str]]:
    """What each function `dynamo_common` exports calls on its client."""
    helpers = {}
    for name in dynamo_common.__all__:
        value = getattr(dynamo_common, name)
        if inspect.isfunction(value):
            module_operations = _module_function_operations(inspect.getsource(inspect.getmodule(value)))
            helpers[name] = frozenset(module_operations[value.__name__])
    return helpers


def service_sources(module: str) -> list[ast.Module]:
    package = Path(importlib.import_module(module).__file__).parent
    return [ast.parse(path.read_text()) for path in sorted(package.rglob("*.py"))]


def actions_used_by(module: str) -> set[str]:
    """The IAM actions a service's code needs on its table."""
    operations: set[str] = set()
    transaction_parts: set[str] = set()
    for tree in service_sources(module):
        operations |= operations_in(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in helper_operations()
            ):
                operations |= helper_operations()[node.func.id]
            if isinstance(node, ast.Dict):
                transaction_parts |= {
                    TRANSACTION_PARTS[key.value]
                    for key in node.keys
                    if isinstance(key, ast.Constant) and key.value in TRANSACTION_PARTS
                }
    if operations & TRANSACTIONS:
        operations |= transaction_parts
    return {f"dynamodb:{operation}" for operation in operations - TRANSACTIONS}


def table_of(module: str) -> str:
    """The logical name of the table a service's factory opens (`settings.table_name(TABLE_SPEC)`)."""
    package_init = Path(importlib.import_module(module).__file__)
    names = {
        node.args[0].id
        for node in ast.walk(ast.parse(package_init.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "table_name"
        and node.args
        and isinstance(node.args[0], ast.Name)
    }
    assert len(names) == 1, f"{module} opens {names}"
    return getattr(importlib.import_module(module), names.pop()).logical_name


@pytest.fixture(scope="module")
def service_locals(terraform) -> dict:
    """Each service root's locals, with the package its module call names."""
    return {
        name: {**root.locals, "module": root.module_calls[name]["module"]}
        for name, root in terraform.services.items()
    }


def test_the_code_scan_finds_the_calls_it_should() -> None:
    assert helper_operations()["batch_get"] == {"BatchGetItem"}
    assert helper_operations()["batch_write"] == {"BatchWriteItem"}
    # A transaction's parts, and no action for the transaction itself.
    assert {"dynamodb:ConditionCheckItem", "dynamodb:UpdateItem"} <= actions_used_by("cart_service")
    assert not any("Transact" in action for action in actions_used_by("products_service"))
    # The HTTP clients' `.call(...)` is no DynamoDB operation.
    assert "call" not in dynamodb_operations()


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_is_granted_exactly_the_actions_its_code_uses(service_locals, service: str) -> None:
    granted = set(service_locals[service]["dynamodb_actions"])
    assert granted == actions_used_by(SERVICES[service])
    assert len(granted) == len(service_locals[service]["dynamodb_actions"])


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_is_given_only_its_own_table(service_locals, service: str) -> None:
    assert service_locals[service]["module"] == SERVICES[service]
    assert service_locals[service]["table"]["logical_name"] == table_of(SERVICES[service])


def test_no_two_services_share_a_table(service_locals) -> None:
    owners = [service["table"]["logical_name"] for service in service_locals.values()]
    assert len(owners) == len(set(owners)) == len(SERVICES)


@pytest.mark.parametrize("call", ["ecs_service", "lambda_service"])
def test_each_root_passes_its_service_its_own_table_arn_and_actions(terraform, call: str) -> None:
    arguments = terraform.modules["shop_service"].module_calls[call]
    assert arguments["table"] == {
        "arn": "${module.table.dynamodb_table_arn}",
        "index_names": "${module.table.dynamodb_table_index_names}",
        "actions": "${var.dynamodb_actions}",
    }
    for name, root in terraform.services.items():
        assert root.module_calls[name]["dynamodb_actions"] == "${local.dynamodb_actions}"


def _statements(module, document: str) -> list[dict]:
    return module.data[f"aws_iam_policy_document.{document}"]["statement"]


def _no_wildcards(terraform, statements: list[dict], allowed_suffixes: tuple[str, ...] = ()) -> None:
    """No `*` in actions or resources, except an ARN's own scoped suffixes (e.g. `/index/*`)."""
    for statement in statements:
        for text in terraform.strings([statement.get("actions"), statement.get("resources")]):
            for suffix in allowed_suffixes:
                text = text.removesuffix(suffix)
            assert "*" not in text, statement


@pytest.mark.parametrize(("module_name", "role"), [("service", "task"), ("lambda_service", "function")])
def test_the_role_reaches_only_the_table_and_reads_its_indexes_by_name(
    terraform, module_name: str, role: str
) -> None:
    module = terraform.modules[module_name]
    # Both compute modes take the one definition (modules/service_access_policy).
    call = module.module_calls["access_policy"]
    assert call["source"] == "../service_access_policy"
    assert call["table"] == "${var.table}"
    policy = module.resources["aws_iam_role_policy.table_access"]
    assert policy["policy"] == "${module.access_policy.service_access_policy_table_json}"
    assert policy["role"] == f"${{aws_iam_role.{role}.id}}"
    access = terraform.modules["service_access_policy"]
    (statement,) = _statements(access, "table_access")
    assert statement["actions"] == "${var.table.actions}"
    assert statement["resources"] == ["${var.table.arn}"]
    assert statement.get("effect", "Allow") == "Allow"
    assert "not_actions" not in statement and "not_resources" not in statement
    # Each index by its exact ARN, with the read actions among those the code calls, nothing else.
    indexes = next(
        entry["statement"]
        for entry in access.data["aws_iam_policy_document.table_access"]["dynamic"]
        if "statement" in entry
    )
    assert indexes["content"][0]["actions"] == "${local.index_actions}"
    assert indexes["content"][0]["resources"] == "${statement.value}"
    assert '"${var.table.arn}/index/${name}"' in access.locals["index_arns"]
    assert 'contains(["dynamodb:Query", "dynamodb:Scan"], action)' in access.locals["index_actions"]
    validation = module.variables["table"]["validation"][0]["condition"]
    assert "^dynamodb:[A-Z][A-Za-z]+$" in validation


def test_the_task_role_has_no_other_permission(terraform) -> None:
    module = terraform.modules["service"]
    attached = [
        name
        for name, body in module.resources.items()
        if name.startswith(("aws_iam_role_policy.", "aws_iam_role_policy_attachment.", "aws_iam_policy."))
        and "aws_iam_role.task" in "".join(terraform.strings(body))
    ]
    assert attached == ["aws_iam_role_policy.table_access"]
    _no_wildcards(terraform, _statements(terraform.modules["service_access_policy"], "table_access"))


def test_the_function_role_has_only_its_table_logs_key_and_network(terraform) -> None:
    module = terraform.modules["lambda_service"]
    inline = {
        name
        for name, body in module.resources.items()
        if name.startswith("aws_iam_role_policy.") and body["role"] == "${aws_iam_role.function.id}"
    }
    assert inline == {
        "aws_iam_role_policy.table_access",
        "aws_iam_role_policy.logs",
        "aws_iam_role_policy.environment_key",
        "aws_iam_role_policy.read_secrets",
    }
    # Log streams are named by Lambda, so the log group's streams are `<group arn>:*`.
    for document in ("logs", "environment_key"):
        _no_wildcards(terraform, _statements(module, document), (".arn}:*",))
    access = terraform.modules["service_access_policy"]
    for document in ("table_access", "read_secrets"):
        _no_wildcards(terraform, _statements(access, document))
    managed = {
        body["policy_arn"]
        for name, body in module.resources.items()
        if name.startswith("aws_iam_role_policy_attachment.")
    }
    assert managed == {
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
        "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
    }


@pytest.mark.parametrize(("module_name", "role"), [("service", "execution"), ("lambda_service", "function")])
def test_secrets_are_read_by_one_role_only_for_its_own_secrets(
    terraform, module_name: str, role: str
) -> None:
    """ECS's execution role reads them at start; a function's own role at its first invocation."""
    module = terraform.modules[module_name]
    assert module.module_calls["access_policy"]["secrets"] == "${var.secrets}"
    access = terraform.modules["service_access_policy"]
    statements = {statement["sid"]: statement for statement in _statements(access, "read_secrets")}
    assert statements["ReadOwnSecrets"]["actions"] == ["secretsmanager:GetSecretValue"]
    assert statements["ReadOwnSecrets"]["resources"] == "${local.secret_arns}"
    assert statements["DecryptOwnSecrets"]["resources"] == ["${var.secrets_kms_key_arn}"]
    policy = module.resources["aws_iam_role_policy.read_secrets"]
    assert policy["policy"] == "${module.access_policy.service_access_policy_secrets_json}"
    assert policy["role"] == f"${{aws_iam_role.{role}.id}}"
