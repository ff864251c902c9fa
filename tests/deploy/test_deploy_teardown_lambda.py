"""The Lambda deployment's teardown (this file sorts after every other test of the tier): destroying
every root leaves nothing on its emulator."""

from __future__ import annotations

from deploy_harness import PLATFORM, ROOTS, Deployment
from deployed_functions import ServiceRootsDestroy, remove_function_images


def test_destroying_every_root_of_the_lambda_deployment_leaves_nothing(
    lambda_shop: Deployment, lambda_service_roots_destroy: ServiceRootsDestroy
) -> None:
    # The service roots' destroy began when the Lambda release tests were done (conftest).
    lambda_service_roots_destroy.wait()
    assert lambda_shop.client("lambda").list_functions()["Functions"] == []
    assert lambda_shop.client("codedeploy").list_applications()["applications"] == []
    remove_function_images(lambda_shop)
    lambda_shop.destroy(PLATFORM)
    for root in ROOTS:
        assert lambda_shop.state(root) == [], root
    assert lambda_shop.client("dynamodb").list_tables()["TableNames"] == []
    assert lambda_shop.client("apigatewayv2").get_apis()["Items"] == []
