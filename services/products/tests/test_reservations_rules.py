"""Reservation rules called directly: races, retries, and the stock ledger."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dynamo_common import to_value
from products_service.internal_api import RESERVATIONS_EXTENSION
from products_service.reservation_model import (
    OutOfStock,
    Reservation,
    ReservationBusy,
    ReservationConflict,
    ReservationNotFound,
    ReservationStatus,
    StockPosition,
)
from products_service.reservation_repository import ReservationRepository
from products_service.reservations import commit, release, reserve, return_stock, stock_ledger
from service_kit.app import DYNAMODB_EXTENSION

THREADS = 8
INITIAL = {"teapot": 5, "mug": 10, "kettle": 3}


class SerialisedClient:
    """Each DynamoDB call atomic, as the real service's are: moto's tables are not thread-safe.

    Requests of different threads still interleave between calls, which is where races happen.
    """

    def __init__(self, client: Any):
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return method(*args, **kwargs)

        return call


class CancellingClient:
    """Cancels the next `times` transactions with `code` on every action, as DynamoDB does in a race."""

    def __init__(self, client: Any, times: int, code: str = "TransactionConflict"):
        self._client = client
        self.left = times
        self.code = code

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def transact_write_items(self, TransactItems: list[dict[str, Any]], **kwargs: Any) -> Any:
        if self.left:
            self.left -= 1
            reasons = [{"Code": self.code} for _ in TransactItems]
            error = {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}}
            raise ClientError({**error, "CancellationReasons": reasons}, "TransactWriteItems")
        return self._client.transact_write_items(TransactItems=TransactItems, **kwargs)


@pytest.fixture
def dynamodb(app) -> Any:
    return app.extensions[DYNAMODB_EXTENSION]


@pytest.fixture
def repository(app) -> ReservationRepository:
    return app.extensions[RESERVATIONS_EXTENSION]


@pytest.fixture
def shared(repository, dynamodb) -> ReservationRepository:
    """A repository for several threads at once."""
    return ReservationRepository(SerialisedClient(dynamodb), repository.table_name)


@pytest.fixture
def catalogue(make_product) -> None:
    make_product(product_id="teapot", name="Teapot", price="19.99", inventory_count=INITIAL["teapot"])
    make_product(product_id="mug", name="Mug", price="4.35", inventory_count=INITIAL["mug"])
    make_product(product_id="kettle", name="Kettle", price="33.10", inventory_count=INITIAL["kettle"])


@pytest.fixture
def no_sleep() -> list[float]:
    """Records the backoff delays the rules ask for instead of sleeping them."""
    return []


def on_threads(work: Callable[[int], Any], count: int = THREADS) -> list[Any]:
    """Run `work(n)` for n in range(count) at once; exceptions are returned, not raised."""

    def guarded(number: int) -> Any:
        try:
            return work(number)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(guarded, range(count)))


def first_reads_meet(repository: ReservationRepository, parties: int) -> None:
    """Hold every thread after its first read (of the reservation, or of the products a reserve
    prices) until all have read: so all of them decide on the same, soon stale, state — the race
    the conditions must win."""
    barrier = threading.Barrier(parties, timeout=10)
    arrivals = itertools.count()
    done = threading.local()

    def meeting(read: Callable[..., Any]) -> Callable[..., Any]:
        def first_read_waits(*args: Any) -> Any:
            found = read(*args)
            if not getattr(done, "waited", False) and next(arrivals) < parties:
                done.waited = True
                barrier.wait()
            return found

        return first_read_waits

    repository.find = meeting(repository.find)  # type: ignore[method-assign]
    repository.products = meeting(repository.products)  # type: ignore[method-assign]


def inventory(dynamodb: Any, repository: ReservationRepository, product_id: str) -> int:
    item = dynamodb.get_item(TableName=repository.table_name, Key={"ProductID": {"S": product_id}})["Item"]
    return int(item["InventoryCount"]["N"])


def assert_ledger_balances(repository: ReservationRepository) -> dict[str, StockPosition]:
    ledger = stock_ledger(repository)
    for product_id, initial in INITIAL.items():
        position = ledger[product_id]
        assert position.current >= 0
        assert position.current + position.reserved + position.sold == initial, (product_id, position)
    return ledger


def test_concurrent_releases_give_stock_back_once(catalogue, shared, dynamodb, no_sleep):
    repository = shared
    reserve(repository, "order-1", {"teapot": 2, "mug": 3})
    first_reads_meet(repository, THREADS)
    answers = on_threads(lambda _: release(repository, "order-1", sleep=no_sleep.append))
    assert all(isinstance(answer, Reservation) for answer in answers), answers
    assert {answer.status for answer in answers} == {ReservationStatus.RELEASED}
    assert len({answer.updated_at for answer in answers}) == 1
    assert inventory(dynamodb, repository, "teapot") == 5
    assert inventory(dynamodb, repository, "mug") == 10


def test_concurrent_returns_give_stock_back_once(catalogue, shared, dynamodb, no_sleep):
    repository = shared
    reserve(repository, "order-1", {"kettle": 3})
    commit(repository, "order-1")
    first_reads_meet(repository, THREADS)
    answers = on_threads(lambda _: return_stock(repository, "order-1", sleep=no_sleep.append))
    assert {answer.status for answer in answers} == {ReservationStatus.RETURNED}
    assert inventory(dynamodb, repository, "kettle") == 3


def test_concurrent_identical_reserves_take_stock_once(catalogue, shared, dynamodb, no_sleep):
    repository = shared
    first_reads_meet(repository, THREADS)
    answers = on_threads(lambda _: reserve(repository, "order-1", {"teapot": 2}, sleep=no_sleep.append))
    assert [created for _, created in answers].count(True) == 1
    assert len({reservation for reservation, _ in answers}) == 1
    assert inventory(dynamodb, repository, "teapot") == 3


def test_concurrent_reserve_and_release_of_one_order_never_leak_stock(catalogue, shared, dynamodb, no_sleep):
    repository = shared
    first_reads_meet(repository, 2)

    def race(number: int) -> Any:
        if number == 0:
            return reserve(repository, "order-1", {"teapot": 2}, sleep=no_sleep.append)
        return release(repository, "order-1", sleep=no_sleep.append)

    reserved, released = on_threads(race, 2)
    assert isinstance(released, Reservation) and released.status is ReservationStatus.RELEASED
    final = repository.find("order-1")
    assert final is not None and final.status is ReservationStatus.RELEASED
    # Whoever won, the order ends released and holds nothing.
    assert isinstance(reserved, (tuple, ReservationConflict))
    assert inventory(dynamodb, repository, "teapot") == 5


def test_competing_orders_never_oversell(catalogue, shared, dynamodb, no_sleep):
    repository = shared
    answers = on_threads(
        lambda n: reserve(repository, f"order-{n}", {"kettle": 1, "mug": 1}, sleep=no_sleep.append)
    )
    won = [answer for answer in answers if isinstance(answer, tuple)]
    lost = [answer for answer in answers if isinstance(answer, OutOfStock)]
    assert (len(won), len(lost)) == (INITIAL["kettle"], THREADS - INITIAL["kettle"])
    for refusal in lost:
        assert refusal.extensions["short_items"] == [{"product_id": "kettle", "requested": 1, "available": 0}]
    assert inventory(dynamodb, repository, "kettle") == 0
    assert inventory(dynamodb, repository, "mug") == INITIAL["mug"] - INITIAL["kettle"]
    assert_ledger_balances(repository)


def test_a_transaction_conflict_is_retried_after_a_backoff(catalogue, repository, dynamodb, no_sleep):
    racing = ReservationRepository(CancellingClient(dynamodb, times=2), repository.table_name)
    reservation, created = reserve(racing, "order-1", {"teapot": 1}, sleep=no_sleep.append)
    assert created and reservation.status is ReservationStatus.RESERVED
    assert len(no_sleep) == 2 and all(0 <= delay <= 1 for delay in no_sleep)
    assert inventory(dynamodb, repository, "teapot") == 4
    racing_release = ReservationRepository(CancellingClient(dynamodb, times=1), repository.table_name)
    assert release(racing_release, "order-1", sleep=no_sleep.append).status is ReservationStatus.RELEASED
    assert inventory(dynamodb, repository, "teapot") == 5


def test_endless_conflicts_end_in_503_with_nothing_written(catalogue, repository, dynamodb, no_sleep):
    racing = ReservationRepository(CancellingClient(dynamodb, times=100), repository.table_name)
    with pytest.raises(ReservationBusy) as refused:
        reserve(racing, "order-1", {"teapot": 1}, sleep=no_sleep.append)
    assert refused.value.status == 503 and refused.value.headers["Retry-After"]
    assert repository.find("order-1") is None
    assert inventory(dynamodb, repository, "teapot") == 5


def test_a_price_change_after_the_read_is_reread_and_charged(catalogue, repository, dynamodb, no_sleep):
    class RepricingClient(CancellingClient):
        """Changes the teapot's price just before the first transaction, as an admin's edit would."""

        def transact_write_items(self, TransactItems: list[dict[str, Any]], **kwargs: Any) -> Any:
            if self.left:
                self.left -= 1
                dynamodb.update_item(
                    TableName=repository.table_name,
                    Key={"ProductID": {"S": "teapot"}},
                    UpdateExpression="SET Price = :price",
                    ExpressionAttributeValues={":price": to_value(Decimal("21.50"))},
                )
            return dynamodb.transact_write_items(TransactItems=TransactItems, **kwargs)

    repricing = ReservationRepository(RepricingClient(dynamodb, times=1), repository.table_name)
    reservation, created = reserve(repricing, "order-1", {"teapot": 2, "mug": 1}, sleep=no_sleep.append)
    assert created
    assert [line.unit_price for line in reservation.lines] == [Decimal("21.50"), Decimal("4.35")]
    assert reservation.total_price == Decimal("47.35")
    assert inventory(dynamodb, repository, "teapot") == 3
    assert repository.find("order-1") == reservation


def test_a_product_created_after_the_read_is_reread_and_reserved(repository, make_product, monkeypatch):
    read = repository.products
    reads: list[list[str]] = []

    def read_then_create(product_ids: list[str]) -> Any:
        found = read(product_ids)
        if not reads:  # the product appears between the read and the transaction
            make_product(product_id="late", name="Late", price="1.00", inventory_count=2)
        reads.append(product_ids)
        return found

    monkeypatch.setattr(repository, "products", read_then_create)
    reservation, created = reserve(repository, "order-1", {"late": 2})
    assert created and reservation.total_price == Decimal("2.00")
    assert len(reads) == 2


def test_the_ledger_balances_after_a_mix_of_operations(catalogue, repository, dynamodb, no_sleep):
    reserve(repository, "kept", {"teapot": 1, "mug": 2})
    reserve(repository, "sold", {"teapot": 2, "kettle": 1})
    commit(repository, "sold")
    reserve(repository, "given-up", {"mug": 3})
    release(repository, "given-up")
    reserve(repository, "cancelled", {"kettle": 2, "mug": 1})
    commit(repository, "cancelled")
    return_stock(repository, "cancelled")
    release(repository, "never-reserved")
    with pytest.raises(OutOfStock):
        reserve(repository, "too-big", {"teapot": 3, "mug": 1})
    reserve(repository, "kept", {"teapot": 1, "mug": 2})
    release(repository, "given-up")
    commit(repository, "sold")

    ledger = assert_ledger_balances(repository)
    assert ledger == {
        "kettle": StockPosition(current=2, reserved=0, sold=1),
        "mug": StockPosition(current=8, reserved=2, sold=0),
        "teapot": StockPosition(current=2, reserved=1, sold=2),
    }


def test_a_repeated_step_answers_exactly_as_the_first(catalogue, repository):
    reserve(repository, "order-1", {"mug": 1})
    first = commit(repository, "order-1")
    assert commit(repository, "order-1") == first
    returned = return_stock(repository, "order-1")
    assert return_stock(repository, "order-1") == returned
    assert release(repository, "order-1") == returned
    with pytest.raises(ReservationConflict):
        commit(repository, "order-1")


class CountingClient:
    """Counts the DynamoDB calls made through it, by operation."""

    def __init__(self, client: Any):
        self._client = client
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return method(*args, **kwargs)

        return call


def test_committing_a_reserved_order_is_one_write_and_no_read(catalogue, repository, dynamodb):
    reserved, _ = reserve(repository, "order-1", {"teapot": 1, "mug": 2})
    counting = CountingClient(dynamodb)
    committed = commit(ReservationRepository(counting, repository.table_name), "order-1")
    assert counting.calls == ["update_item"]
    assert committed.status is ReservationStatus.COMMITTED
    assert committed.lines == reserved.lines
    assert repository.find("order-1") == committed


def test_a_commit_refused_by_its_write_answers_from_the_old_image(catalogue, repository, dynamodb):
    reserve(repository, "order-1", {"mug": 1})
    released = release(repository, "order-1")
    counting = CountingClient(dynamodb)
    with pytest.raises(ReservationConflict, match="RELEASED"):
        commit(ReservationRepository(counting, repository.table_name), "order-1")
    assert counting.calls == ["update_item"]  # the refused write's old image said why
    assert repository.find("order-1") == released
    with pytest.raises(ReservationNotFound):
        commit(repository, "never-reserved")
