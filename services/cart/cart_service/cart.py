"""The cart's rules: lines and their limits, the shopper's view, what checkout takes away, and
how a guest's cart moves into a signed-in shopper's.

A cart belongs to an owner: a signed-in user's id, or `guest#<id>` for a guest. User ids never
contain `#`, so the two can never meet.

The functions take the repository and a products lookup as arguments, so tests call them directly
with fakes or with a repository on moto.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from service_kit.cart_version import MAX_LINES, MAX_QUANTITY, SeenLine, encode_cart_version
from service_kit.identifiers import is_valid_id
from service_kit.problems import Conflict, NotFound, ValidationFailed

MAX_WRITE_ATTEMPTS = 5
# Ten tabs merging one guest cart at once must all end well; each lost race means a re-read.
MAX_MERGE_ATTEMPTS = 10
MERGE_BACKOFF_SECONDS = 0.005
MERGE_BACKOFF_CAP_SECONDS = 0.2
GUEST_OWNER_PREFIX = "guest#"


class ProductNotFound(NotFound):
    """No product has this id, so it cannot go into a cart."""


class LineNotFound(NotFound):
    """The caller's cart has no line for this product."""


class QuantityLimitExceeded(ValidationFailed):
    """The change would put more than the most a line may hold into one line."""


class CartFull(ValidationFailed):
    """The cart already holds the most distinct products it may."""


class CartBusy(Conflict):
    """The cart kept changing under concurrent writes; the caller may retry."""


class CartClaimed(Conflict):
    """Another order's checkout holds the cart; `holding_order_id` names it."""

    slug = "cart-checkout-in-progress"

    def __init__(self, holder: str):
        super().__init__(
            f"A checkout of this cart is in progress or done: order {holder}.", holding_order_id=holder
        )
        self.holder = holder


@dataclass(frozen=True)
class CartLine:
    """One product in a cart; `added_at` is the first add, kept while the line lives, and
    `added_price` the product's price when the shopper last added or set it (None on lines older
    than that record). `user_id` is the cart's owner: a user id, or a guest's owner key."""

    user_id: str
    product_id: str
    quantity: int
    added_at: str
    checkout_orders: frozenset[str] = frozenset()
    added_price: Decimal | None = None

    def added_after(self, moment: datetime) -> bool:
        return datetime.fromisoformat(self.added_at) > moment


@dataclass(frozen=True)
class ProductSummary:
    """What the cart shows of a product, as the products service describes it now."""

    product_id: str
    name: str
    price: Decimal
    inventory_count: int
    image_url: str | None = None


class ProductLookup(Protocol):
    """The catalogue as the cart sees it (the products service over HTTP, or a fake in tests)."""

    def find(self, product_id: str) -> ProductSummary | None: ...

    def find_many(self, product_ids: Sequence[str]) -> dict[str, ProductSummary]: ...


@dataclass(frozen=True)
class CartEntry:
    """A line as the shopper sees it, with the product's current details when it still exists."""

    product_id: str
    quantity: int
    product: ProductSummary | None
    added_price: Decimal | None = None
    added_at: str = ""

    @property
    def available(self) -> bool:
        return self.product is not None

    @property
    def price_changed(self) -> bool:
        """True when the product's current price differs from the one it was added at."""
        return self.product is not None and self.added_price is not None and self.added_price != self.price

    @property
    def name(self) -> str | None:
        return self.product.name if self.product else None

    @property
    def price(self) -> Decimal | None:
        return self.product.price if self.product else None

    @property
    def inventory_count(self) -> int | None:
        return self.product.inventory_count if self.product else None

    @property
    def image_url(self) -> str | None:
        return self.product.image_url if self.product else None

    @property
    def line_total(self) -> Decimal | None:
        return self.product.price * self.quantity if self.product else None


@dataclass(frozen=True)
class CartView:
    """The shopper's cart; lines whose product is gone are shown but not charged."""

    items: list[CartEntry]

    @property
    def subtotal(self) -> Decimal:
        return sum((entry.line_total for entry in self.items if entry.line_total is not None), Decimal(0))

    @property
    def version(self) -> str:
        """The lines and prices shown, as the token a checkout sends back to confirm them."""
        return encode_cart_version(
            SeenLine(entry.product_id, entry.quantity, entry.price, entry.added_at) for entry in self.items
        )


@dataclass(frozen=True)
class CheckoutRead:
    """The lines an order is built from, and when they were read."""

    user_id: str
    items: list[CartLine]
    read_at: str


@dataclass(frozen=True)
class BoughtItem:
    product_id: str
    quantity: int


@dataclass(frozen=True)
class CheckoutRemovals:
    """What an order's checkout took from the cart, and what it left because it came later."""

    order_id: str
    removed: list[BoughtItem] = field(default_factory=list)
    kept: list[BoughtItem] = field(default_factory=list)


@dataclass(frozen=True)
class LineMove:
    """A guest line moving into the user's cart: the user's line as it was read (None when there
    was none) and as it will be."""

    guest_line: CartLine
    seen: CartLine | None
    merged: CartLine


@dataclass(frozen=True)
class MergePlan:
    moves: list[LineMove]
    not_moved: list[CartLine]


@dataclass(frozen=True)
class MergeOutcome:
    """What a merge moved, and the guest lines left behind because the user's cart was full."""

    moved: list[BoughtItem] = field(default_factory=list)
    not_moved: list[BoughtItem] = field(default_factory=list)


def guest_owner(guest_id: str) -> str:
    """The cart owner key of a guest, which no user id can equal."""
    return GUEST_OWNER_PREFIX + guest_id


def is_guest(owner: str) -> bool:
    return owner.startswith(GUEST_OWNER_PREFIX)


def is_user_id(value: str) -> bool:
    """A user id can own a cart only if it cannot be mistaken for a guest's owner key."""
    return bool(value) and "#" not in value


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """ISO 8601 UTC with microseconds, so lines added just after a checkout read sort after it."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def is_product_id(product_id: str) -> bool:
    return is_valid_id(product_id)


def view_cart(repository: Any, products: ProductLookup, user_id: str) -> CartView:
    """The user's lines with their products' current details, fetched in one call for all lines."""
    lines = repository.lines(user_id)
    found = products.find_many([line.product_id for line in lines]) if lines else {}
    return CartView(
        [
            CartEntry(
                line.product_id, line.quantity, found.get(line.product_id), line.added_price, line.added_at
            )
            for line in lines
        ]
    )


def add_to_cart(
    repository: Any, products: ProductLookup, user_id: str, product_id: str, quantity: int
) -> CartLine:
    """Add `quantity` of a product, to its line if there is one; a line holds at most 99.

    A shopper mostly adds a product the cart lacks, so the line is first written as a new one
    without reading it; when the cart has a live line for the product, that write's condition
    fails, nothing is written, and the line is read and added to.
    """
    price = _current_price(products, product_id)
    return _change_line(
        repository, user_id, product_id, price, lambda current: current + quantity, assume_new=True
    )


def set_quantity(
    repository: Any, products: ProductLookup, user_id: str, product_id: str, quantity: int
) -> CartLine:
    """Set a line's quantity, creating the line when the product has none yet."""
    price = _current_price(products, product_id)
    return _change_line(repository, user_id, product_id, price, lambda _: quantity)


def remove_line(repository: Any, user_id: str, product_id: str) -> None:
    if not is_product_id(product_id):
        raise LineNotFound(f"Your cart has no line for {product_id}.")
    for _ in range(MAX_WRITE_ATTEMPTS):
        if repository.remove(user_id, product_id):
            return
    raise CartBusy("Your cart is changing too often to remove the line; retry.")


def empty_cart(repository: Any, user_id: str) -> None:
    for _ in range(MAX_WRITE_ATTEMPTS):
        if repository.clear(user_id):
            return
    raise CartBusy("Your cart is changing too often to empty it; retry.")


def read_for_checkout(repository: Any, user_id: str) -> CheckoutRead:
    """The lines as they stand now; `read_at` is taken after the read, so every line read is older."""
    lines = repository.lines(user_id)
    return CheckoutRead(user_id, lines, timestamp(utc_now()))


def claim_for_checkout(
    repository: Any, user_id: str, order_id: str, version: str, replacing: str | None
) -> CheckoutRead:
    """Hold the cart for one order's checkout of cart `version`, then read its lines for it.

    The claim comes first, so no other order can read the lines after this one holds them: a
    cart is bought at most once, whatever keys its checkouts carry. The hold of an order that
    bought the cart passes to a checkout of another version; `replacing` is a holder the orders
    service knows is failed or gone. An empty cart is not held.
    """
    repository.claim(user_id, order_id, version, replacing)
    read = read_for_checkout(repository, user_id)
    if not read.items:
        repository.release_claim(user_id, order_id)
    return read


def release_checkout_claim(repository: Any, user_id: str, order_id: str) -> None:
    """Let the cart be checked out again, if `order_id` still holds it (safe to repeat)."""
    repository.release_claim(user_id, order_id)


def remove_bought(
    repository: Any, user_id: str, order_id: str, read_at: datetime, items: Sequence[BoughtItem]
) -> CheckoutRemovals:
    """Take an order's quantities out of the cart it was read from, once however often asked.

    A line added after `read_at` was not part of the order and stays. A line holding more than was
    bought keeps the rest, and remembers the order so a repeat takes nothing more; any other line
    goes. A line already gone counts as removed. All lines change in one transaction. The order
    keeps its hold on the cart, marked done: a late duplicate confirming the same cart version is
    told which order bought it, while a checkout of a new version takes the hold over.

    Most checkouts buy every line whole, as it was read: that is tried first, as one conditional
    transaction that deletes the lines and marks the hold done, with no read. Any other case (a
    line to keep or to take from, a repeat, a race, a hold passed on) fails a condition there,
    writes nothing, and is decided from a read of the lines.

    Entries for one product are summed first: a transaction may touch each item only once.
    """
    items = _one_entry_per_product(items)
    if repository.remove_whole_lines(user_id, order_id, timestamp(read_at), items):
        return CheckoutRemovals(order_id, removed=list(items))
    for _ in range(MAX_WRITE_ATTEMPTS):
        lines = {line.product_id: line for line in repository.lines(user_id)}
        outcome = CheckoutRemovals(order_id)
        takes: list[tuple[CartLine, int]] = []
        deletes: list[CartLine] = []
        for item in items:
            line = lines.get(item.product_id)
            if line is not None and line.added_after(read_at):
                outcome.kept.append(item)
                continue
            outcome.removed.append(item)
            if line is None or order_id in line.checkout_orders:
                continue
            if line.quantity > item.quantity:
                takes.append((line, item.quantity))
            else:
                deletes.append(line)
        if not (takes or deletes) or repository.remove_bought_lines(user_id, order_id, takes, deletes):
            repository.finish_claim(user_id, order_id)
            return outcome
    raise CartBusy("The cart is changing too often to remove the bought lines; retry.")


def _one_entry_per_product(items: Sequence[BoughtItem]) -> list[BoughtItem]:
    """`items` with the quantities of each product summed, in the order products first appear."""
    summed: dict[str, int] = {}
    for item in items:
        summed[item.product_id] = summed.get(item.product_id, 0) + item.quantity
    return [BoughtItem(product_id, quantity) for product_id, quantity in summed.items()]


def merge_guest_cart(repository: Any, guest: str, user_id: str) -> MergeOutcome:
    """Move the guest's lines into the user's cart, however often or concurrently asked.

    Quantities add up to at most 99 a line; a guest line for a product the user's cart lacks moves
    only while the cart has places left (50 lines), and otherwise stays in the guest's cart. Each
    moved guest line is deleted in the same transaction that adds its quantity, on condition that
    neither line changed since it was read: a repeated or concurrent merge finds the line gone (or
    loses the race, re-reads, and finds it gone), so no quantity is ever counted twice. Once every
    line has moved, the guest's cart is marked merged: its token opens no cart again, and a
    repeated merge moves nothing.
    """
    moved: list[BoughtItem] = []
    if repository.was_merged(guest):
        return MergeOutcome(moved, [])
    for attempt in range(MAX_MERGE_ATTEMPTS):
        if attempt:
            _pause_after_lost_race(attempt)
        plan = plan_merge(repository.lines(guest), repository.lines(user_id), user_id, timestamp(utc_now()))
        # The moves committed, in order, up to the first transaction that lost a race.
        done = repository.move_lines(guest, user_id, plan.moves) if plan.moves else []
        moved += [BoughtItem(move.guest_line.product_id, move.guest_line.quantity) for move in done]
        if len(done) == len(plan.moves):
            left = [BoughtItem(line.product_id, line.quantity) for line in plan.not_moved]
            if not left:
                repository.mark_merged(guest)
            return MergeOutcome(moved, left)
    raise CartBusy("The carts are changing too often to merge them; retry.")


def plan_merge(
    guest_lines: Sequence[CartLine], user_lines: Sequence[CartLine], user_id: str, now: str
) -> MergePlan:
    """Which guest lines move and what each user line becomes, from one read of both carts.

    A line the user already has takes the guest's quantity (capped at 99) and the guest's price at
    add, which is at most a day old; a new line is added now, so a checkout that read the user's
    cart earlier leaves it alone.
    """
    held = {line.product_id: line for line in user_lines}
    places = MAX_LINES - len(held)
    moves: list[LineMove] = []
    not_moved: list[CartLine] = []
    for line in guest_lines:
        seen = held.get(line.product_id)
        if seen is not None:
            merged = CartLine(
                user_id,
                line.product_id,
                min(seen.quantity + line.quantity, MAX_QUANTITY),
                seen.added_at,
                seen.checkout_orders,
                line.added_price if line.added_price is not None else seen.added_price,
            )
        elif places > 0:
            places -= 1
            merged = CartLine(user_id, line.product_id, line.quantity, now, added_price=line.added_price)
        else:
            not_moved.append(line)
            continue
        moves.append(LineMove(line, seen, merged))
    return MergePlan(moves, not_moved)


def _pause_after_lost_race(attempt: int) -> None:
    """A short random wait, growing with each lost race, so merges racing each other spread out."""
    longest = min(MERGE_BACKOFF_CAP_SECONDS, MERGE_BACKOFF_SECONDS * 2**attempt)
    time.sleep(random.uniform(0, longest))  # noqa: S311 - jitter, not a secret


def _current_price(products: ProductLookup, product_id: str) -> Decimal:
    """The product's price now; ProductNotFound when there is no such product."""
    product = products.find(product_id) if is_product_id(product_id) else None
    if product is None:
        raise ProductNotFound(f"No product {product_id}.")
    return product.price


def _change_line(
    repository: Any,
    user_id: str,
    product_id: str,
    price: Decimal,
    new_quantity: Callable[[int], int],
    assume_new: bool = False,
) -> CartLine:
    """Write a line's new quantity at the product's current price, re-reading and retrying when a
    concurrent write got there first. With `assume_new` the first write takes the line to be
    absent, without reading it (a write conditional on that). A write refused because the line
    changed shows the line as it found it, so the next attempt needs no read."""
    found: CartLine | None = None
    for attempt in range(MAX_WRITE_ATTEMPTS):
        if found is not None:
            current: CartLine | None = found
        elif assume_new and attempt == 0:
            current = None
        else:
            current = repository.line(user_id, product_id)
        held = current.quantity if current else 0
        quantity = new_quantity(held)
        if quantity > MAX_QUANTITY:
            raise QuantityLimitExceeded(
                f"A cart line holds at most {MAX_QUANTITY}; it has {held}, so at most "
                f"{MAX_QUANTITY - held} more can be added.",
                errors={
                    "json": {"quantity": [f"The line would hold {quantity}; the limit is {MAX_QUANTITY}."]}
                },
            )
        if current is None:
            line = CartLine(user_id, product_id, quantity, timestamp(utc_now()), added_price=price)
        else:
            line = CartLine(user_id, product_id, quantity, current.added_at, current.checkout_orders, price)
        try:
            written, found = repository.save_or_find(line, expected=current)
        except CartFull:
            if not repository.drop_expired_lines(user_id):
                raise
            written, found = False, None
        if written:
            return line
    raise CartBusy("Your cart is changing too often to update; retry.")
