"""The flame-graph summary that sets a service beside its peer app, package by package."""

from __future__ import annotations

from collections import Counter

from bench.profile import by_layer, by_package


def test_self_samples_are_summed_by_the_top_level_package_of_their_file():
    samples = Counter(
        {
            "_make_api_call (botocore/client.py)": 5,
            "serialize (botocore/serialize.py)": 3,
            "load (marshmallow/schema.py)": 2,
            "uuid4 (uuid.py)": 1,
            "<module> (<frozen abc>)": 1,
        }
    )

    assert by_package(samples) == {"botocore": 8, "marshmallow": 2, "stdlib": 2}


def _frame(name: str, where: str, depth: int, x: int, width: int) -> str:
    return (
        f'<g><title>{name} ({where}:1) ({width} samples, 1.00%)</title><rect x="0%" y="{16 * depth}" '
        f'width="1%" height="15" fill="rgb(0,0,0)" fg:x="{x}" fg:w="{width}"/>'
    )


def test_samples_are_counted_for_the_layer_on_their_call_chain_not_the_package_they_end_in():
    svg = "".join(
        [
            _frame("handle", "gunicorn/workers/gthread.py", 0, 0, 10),
            _frame("view", "flask_smorest/blueprint.py", 1, 0, 9),
            _frame("checkout", "orders_service/api.py", 2, 0, 8),
            # urllib3 under botocore is botocore's; under requests, the service client's
            _frame("_make_api_call", "botocore/client.py", 3, 0, 3),
            _frame("urlopen", "urllib3/connectionpool.py", 4, 0, 3),
            _frame("post", "requests/api.py", 3, 3, 2),
            _frame("urlopen", "urllib3/connectionpool.py", 4, 3, 2),
            _frame("load", "marshmallow/schema.py", 3, 5, 1),
        ]
    )

    assert by_layer(svg) == {
        "botocore": 3,
        "app-to-app HTTP: requests": 2,
        "schemas: flask-smorest, webargs, marshmallow": 2,
        "own code": 2,
        "gunicorn": 1,
    }
