"""The Lambda Runtime API the images and deploy tiers serve: a client takes events in order and
answers each; an init error fails the invocation it was handed."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator

import pytest
import requests

from test_kit.lambda_runtime import RUNTIME_API, NoAnswer, RuntimeApi

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:probe:live"


@pytest.fixture
def runtime_api() -> Iterator[RuntimeApi]:
    with RuntimeApi(ARN) as server:
        yield server


def _client(
    api: RuntimeApi, answer: Callable[[dict], tuple[str, dict]], invocations: int
) -> threading.Thread:
    """A stand-in for the runtime interface client: next, then post what `answer` says."""
    base = f"http://127.0.0.1:{api.server_port}{RUNTIME_API}"

    def run() -> None:
        for _ in range(invocations):
            handed = requests.get(f"{base}/invocation/next", timeout=30)
            request_id = handed.headers["Lambda-Runtime-Aws-Request-Id"]
            assert handed.headers["Lambda-Runtime-Invoked-Function-Arn"] == ARN
            path, body = answer(handed.json())
            target = (
                f"{base}/init/error" if path == "init/error" else f"{base}/invocation/{request_id}/{path}"
            )
            assert requests.post(target, data=json.dumps(body), timeout=30).status_code == 202

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_each_invocation_gets_the_answer_to_its_own_event_in_order(runtime_api: RuntimeApi) -> None:
    client = _client(runtime_api, lambda event: ("response", {"echo": event["n"]}), invocations=3)
    outcomes = [runtime_api.invoke({"n": n}, timeout_seconds=10) for n in range(3)]
    client.join(10)
    assert outcomes == [("response", {"echo": 0}), ("response", {"echo": 1}), ("response", {"echo": 2})]


def test_a_handler_error_and_an_init_error_are_told_apart(runtime_api: RuntimeApi) -> None:
    answers = iter([("error", {"errorType": "KeyError"}), ("init/error", {"errorType": "ImportError"})])
    client = _client(runtime_api, lambda event: next(answers), invocations=2)
    assert runtime_api.invoke({}, timeout_seconds=10) == ("error", {"errorType": "KeyError"})
    assert runtime_api.invoke({}, timeout_seconds=10) == ("init error", {"errorType": "ImportError"})
    client.join(10)


def test_an_unanswered_invocation_is_reported_and_an_unknown_request_refused(runtime_api: RuntimeApi) -> None:
    with pytest.raises(NoAnswer):
        runtime_api.invoke({}, timeout_seconds=0.2)
    unknown = f"http://127.0.0.1:{runtime_api.server_port}{RUNTIME_API}/invocation/nobody/response"
    assert requests.post(unknown, data="{}", timeout=10).status_code == 400
