"""The Lambda deployment's teardown (this file sorts after every other test of the tier): destroying
every root leaves nothing on its emulator."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from deploy_harness import PLATFORM, ROOTS, SERVICE_ROOTS, Deployment
from deployed_functions import remove_function_images


def test_destroying_every_root_of_the_lambda_deployment_leaves_nothing(lambda_shop: Deployment) -> None:
    with ThreadPoolExecutor(max_workers=len(SERVICE_ROOTS)) as pool:
        list(pool.map(lambda_shop.destroy, SERVICE_ROOTS))
    assert lambda_shop.client("lambda").list_functions()["Functions"] == []
    remove_function_images(lambda_shop)
    lambda_shop.destroy(PLATFORM)
    for root in ROOTS:
        assert lambda_shop.state(root) == [], root
    assert lambda_shop.client("dynamodb").list_tables()["TableNames"] == []
    assert lambda_shop.client("apigatewayv2").get_apis()["Items"] == []
