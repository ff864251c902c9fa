"""AWS Lambda entry point for one ShopSmart service: its Flask app behind apig-wsgi.

`SHOPSMART_SERVICE_MODULE` names the service's package (`products_service`, `cart_service`,
`orders_service`); its `create_app()` is built on the first invocation and kept for the life of the
execution environment. apig-wsgi turns API Gateway HTTP API (payload 2.0) and ALB events into WSGI
requests, so the same function serves the public routes and the internal load balancer.

A scheduled event `{"shopsmart_command": "<name>"}` runs the app's Flask CLI command instead (e.g.
orders' `recover`, which a container runs in a background thread).

Secrets are fetched at run time, never given as values: `SHOPSMART_SECRET_ARNS` maps each secret
variable (e.g. `SHOPSMART_CURSOR_SECRET`) to its Secrets Manager ARN, and the first invocation reads
them with the function's own role before building the app, so no secret value sits in Terraform's
plan or state or in the function's configuration. They are kept for the life of the execution
environment, as the app is; a rotated secret reaches new environments (a release, or scaling).
"""

from __future__ import annotations

import functools
import importlib
import json
import os
from typing import Any

import boto3
from apig_wsgi import make_lambda_handler
from flask import Flask
from flask.cli import ScriptInfo

SERVICE_MODULE_VARIABLE = "SHOPSMART_SERVICE_MODULE"
COMMAND_EVENT_KEY = "shopsmart_command"
SECRET_ARNS_VARIABLE = "SHOPSMART_SECRET_ARNS"  # noqa: S105 - a variable name, not a secret

WsgiHandler = Any


# A secret's ARN has seven colon-separated parts; ECS's reference may add three more.
SECRET_ARN_PARTS = 7


def secret_value(client: Any, reference: str) -> str:
    """One secret's value, from its ARN or from a reference as ECS's `valueFrom` takes one:
    `<ARN>:<json key>:<version stage>:<version id>`, each part optional (e.g. `<ARN>::AWSPREVIOUS:`,
    the value before the last rotation, which a service still accepts during the rotation)."""
    parts = reference.split(":")
    json_key, stage, version_id = (*parts[SECRET_ARN_PARTS:], "", "", "")[:3]
    request = {"SecretId": ":".join(parts[:SECRET_ARN_PARTS])}
    if stage:
        request["VersionStage"] = stage
    if version_id:
        request["VersionId"] = version_id
    value = client.get_secret_value(**request)["SecretString"]
    return str(json.loads(value)[json_key]) if json_key else value


def load_secrets() -> None:
    """Put each secret of SHOPSMART_SECRET_ARNS into the environment create_app() reads."""
    references: dict[str, str] = json.loads(os.environ.get(SECRET_ARNS_VARIABLE) or "{}")
    if not references:
        return
    client = boto3.client("secretsmanager", region_name=os.environ.get("AWS_REGION"))
    for variable, reference in references.items():
        os.environ[variable] = secret_value(client, reference)


@functools.cache
def _service() -> tuple[Flask, WsgiHandler]:
    load_secrets()
    module = importlib.import_module(os.environ[SERVICE_MODULE_VARIABLE])
    app = module.create_app()
    return app, make_lambda_handler(app, binary_support=True)


def run_command(app: Flask, command: str) -> dict[str, Any]:
    """Run one of the app's Flask CLI commands, as `flask --app <service> <command>` would."""
    # Not standalone: a failing command raises, so Lambda records the invocation as failed.
    app.cli.main(args=[command], obj=ScriptInfo(create_app=lambda: app), standalone_mode=False)
    return {"command": command, "status": "done"}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function's handler: an HTTP request (API Gateway or ALB) or a scheduled command."""
    app, wsgi_handler = _service()
    if COMMAND_EVENT_KEY in event:
        return run_command(app, str(event[COMMAND_EVENT_KEY]))
    return wsgi_handler(event, context)
