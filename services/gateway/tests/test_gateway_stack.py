"""The gateway in the local stack: started last by `make run`, under gunicorn, with dev sign-in on."""

from __future__ import annotations

from pathlib import Path

import requests

from devstack.environment import DEV_SIGN_IN, DEV_SIGNING_KEY_DIR, StackEnvironment
from devstack.keys import DevKeys
from devstack.services import GATEWAY, SERVICES, ServiceProcess


def stack_environment(**extra) -> StackEnvironment:
    return StackEnvironment(
        endpoint_url="http://127.0.0.1:1",
        table_prefix="unit-",
        jwks_url="file:///nowhere/jwks.json",
        cursor_secret="s3cret",
        **extra,
    )


def test_the_gateway_starts_last_on_8080():
    assert SERVICES[-1].name == GATEWAY
    assert SERVICES[-1].module == "gateway"
    assert SERVICES[-1].port == 8080


def test_only_the_local_stack_switches_dev_sign_in_on(tmp_path: Path):
    on = stack_environment(dev_signing_key_dir=tmp_path).variables()
    off = stack_environment().variables(base={DEV_SIGN_IN: "true", DEV_SIGNING_KEY_DIR: "/keys"})

    assert on[DEV_SIGN_IN] == "true"
    assert on[DEV_SIGNING_KEY_DIR] == str(tmp_path.resolve())
    assert DEV_SIGN_IN not in off and DEV_SIGNING_KEY_DIR not in off


def test_under_gunicorn_it_serves_the_page_and_signs_in(tmp_path: Path, signing_keys: DevKeys):
    environment = stack_environment(dev_signing_key_dir=signing_keys.directory)
    gateway = ServiceProcess(
        GATEWAY, "gateway", env=environment.variables(), log_path=tmp_path / "gateway.log"
    )

    with gateway:
        page = requests.get(f"{gateway.base_url}/", timeout=5)
        answer = requests.post(
            f"{gateway.base_url}/auth/dev-token", json={"user_id": "demo-shopper"}, timeout=5
        )

    assert page.status_code == 200 and 'src="/app.js"' in page.text
    assert answer.status_code == 200
    assert answer.json()["access_token"].count(".") == 2
