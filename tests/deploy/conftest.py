"""Fixtures of the deploy tier; the harness itself is deploy_harness.py (see its docstring)."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

# The tier's own helpers sit beside this file (test modules import them as `deploy_harness`); the
# code's table specs and routes are looked up in one place, tests/infrastructure/code_truths.py.
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "infrastructure"))
# The rehearsal's tasks run in the images `make images` builds; podman_kit (tests/images) is shared.
sys.path.insert(0, str(Path(__file__).parents[1] / "images"))

from deploy_harness import (
    COMPUTE_MODES,
    Deployment,
    Emulator,
    Planned,
    find_terraform,
    plan_everything,
    result_of,
)
from deployed_functions import ServiceRootsDestroy, register_function_images
from deployed_wiring import LOCAL_IMAGE, SHOP_SERVICES, WEB_REPOSITORY, TaskImages
from podman_kit import (
    LAMBDA_SERVICES,
    Podman,
    current_images,
    image_builds,
    lambda_image,
    remove_leftovers_of_dead_runs,
)


@pytest.fixture(scope="session")
def terraform_binary() -> str:
    return find_terraform()


@pytest.fixture(scope="session")
def planned(terraform_binary: str) -> Iterator[dict[str, Future[Planned]]]:
    """Both compute modes, planned side by side, each on an emulator of its own. Roots are
    validated once, in the first mode. The copies live in a directory of the tier's own: pytest's
    shared temporary directories are pruned by other runs on the same machine."""
    with tempfile.TemporaryDirectory(prefix="shopsmart-deploy-") as workdir, ExitStack() as stack:
        emulators = {}
        for compute in COMPUTE_MODES:
            log_dir = Path(workdir) / compute
            log_dir.mkdir()
            emulators[compute] = Emulator(log_path=log_dir / "emulator.log")
            emulators[compute].start()
            stack.callback(emulators[compute].stop)
        with ThreadPoolExecutor(max_workers=len(COMPUTE_MODES)) as pool:
            yield {
                compute: pool.submit(
                    plan_everything,
                    Deployment.create(compute, emulator.log_path.parent, emulator, terraform_binary),
                    compute == COMPUTE_MODES[0],
                )
                for compute, emulator in emulators.items()
            }


@pytest.fixture(scope="session")
def shop(planned: dict[str, Future[Planned]]) -> Deployment:
    """The ECS deployment with every service root applied from the plan test_deploy_plan checked.

    Every test module that needs an applied shop shares this one; test_deploy_teardown.py, which
    sorts last, destroys it.
    """
    deployment = result_of(planned, "ecs").deployment
    deployment.apply_service_roots()
    return deployment


def _task_images() -> TaskImages:
    podman = Podman()
    remove_leftovers_of_dead_runs(podman)
    wanted = {LOCAL_IMAGE.format(repository=name) for name in (*SHOP_SERVICES, WEB_REPOSITORY)}
    wanted |= {lambda_image(service) for service in LAMBDA_SERVICES}
    return podman, current_images(podman, [image for image in image_builds() if image.tag in wanted])


@pytest.fixture(scope="session", autouse=True)
def task_images(request: pytest.FixtureRequest) -> Iterator[Future[TaskImages] | None]:
    """The tasks' images (services and web page) and the functions' images, from the session's
    start, beside terraform: those the images tier built from this checkout are reused (`make test`
    runs it first), the others are built, so neither mode runs an image of other sources. None when
    no collected test runs tasks or functions."""
    runs_images = {"deployed", "lambda_shop"}
    if not any(runs_images & set(getattr(item, "fixturenames", ())) for item in request.session.items):
        yield None
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(_task_images)


@pytest.fixture(scope="session")
def lambda_shop(planned: dict[str, Future[Planned]], task_images: Future[TaskImages]) -> Deployment:
    """The Lambda deployment, on its own emulator (the `planned` one, apart from the ECS shop):
    each function's image registered in ECR as a release would push it, then every service root
    applied from the plan test_deploy_plan checked. The Lambda rehearsal runs it, then
    test_deploy_lambda_traffic.py releases cart on it; test_deploy_teardown_lambda.py destroys it."""
    done = result_of(planned, "lambda")
    register_function_images(done.deployment, done.plans, task_images.result()[1])
    done.deployment.apply_service_roots()
    return done.deployment


@pytest.fixture(scope="session")
def tier_report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Writes text to the terminal as the tier runs, whether or not a test fails."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def write(text: str) -> None:
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.ensure_newline()
                reporter.write_line(text)

    return write


@pytest.fixture(scope="session")
def lambda_service_roots_destroy(lambda_shop: Deployment) -> Iterator[ServiceRootsDestroy]:
    """The Lambda service roots' destroy: test_deploy_lambda_traffic.py starts it once its release
    tests are done (no later test reads what the roots made: the release tests read the Lambda plans
    and platform), so it runs beside the ECS tests; test_deploy_teardown_lambda.py waits for it.
    Never left running past the session."""
    destroy = ServiceRootsDestroy(lambda_shop)
    yield destroy
    destroy.wait()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An empty emulator of the module's own, for tests of the harness's and emulator's parts."""
    server = Emulator(log_path=tmp_path_factory.mktemp("parts-emulator") / "emulator.log")
    server.start()
    yield server
    # Nothing of it is kept: a kill spares the tier moto's slow shutdown on a busy machine.
    server.kill()
