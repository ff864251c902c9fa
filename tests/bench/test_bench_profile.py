"""The flame-graph summary that sets a service beside its peer app, package by package."""

from __future__ import annotations

from collections import Counter

from bench.profile import by_package


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
