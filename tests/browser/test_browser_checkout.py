"""Checkout in the browser: too little stock is explained line by line, and a double click on
Checkout makes one order."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from playwright.sync_api import Request, expect


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_too_little_stock_is_shown_per_item_and_can_be_fixed(shop, page, signed_in, snap):
    shopper, rival = unique("shopper"), unique("rival")
    category = unique("short")
    last_one = shop.create_product(category, unique("Last lamp"), stock=1, price="12.00")
    sold_out = shop.create_product(category, unique("Popular mug"), stock=2, price="4.50")
    shop.add_to_cart(shopper, sold_out["product_id"], 2)

    page.goto(f"/#/product/{last_one['product_id']}")
    signed_in(page, shopper)
    expect(page.get_by_test_id("stock")).to_have_text("Only 1 left")
    page.get_by_label("Quantity", exact=True).fill("2")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page.get_by_test_id("add-to-cart-message")).to_have_text(
        f"Added 2 \N{MULTIPLICATION SIGN} {last_one['name']} to your cart."
    )
    page.get_by_test_id("cart-link").click()
    lines = page.get_by_test_id("cart-line")
    expect(lines).to_have_count(2)
    # Someone else buys every mug while this shopper is looking at the cart.
    shop.add_to_cart(rival, sold_out["product_id"], 2)
    shop.checkout(rival)

    page.get_by_test_id("checkout-button").click()
    message = page.get_by_test_id("cart-message")
    expect(message).to_contain_text("Your order was not placed: some items do not have enough stock.")
    short = page.get_by_test_id("short-items").get_by_role("listitem")
    expect(short).to_have_count(2)
    expect(short.and_(page.locator(f"[data-product-id='{last_one['product_id']}']"))).to_have_text(
        f"Only 1 left of {last_one['name']} (you asked for 2)."
    )
    expect(short.and_(page.locator(f"[data-product-id='{sold_out['product_id']}']"))).to_have_text(
        f"{sold_out['name']} is out of stock."
    )
    # The cart, reloaded, marks the same lines.
    expect(lines.filter(has_text=last_one["name"]).get_by_test_id("line-warning")).to_have_text("Only 1 left")
    expect(lines.filter(has_text=sold_out["name"]).get_by_test_id("line-warning")).to_have_text(
        "Out of stock"
    )
    snap(page, "cart-short-of-stock")
    # The refused attempt is on record as FAILED (the orders service keeps every attempt); no stock moved.
    assert [order["status"] for order in shop.orders_of(shopper)] == ["FAILED"]
    assert shop.stock(last_one["product_id"]) == 1

    # Taking the advice: drop the mug, ask for the one lamp left, and the order goes through.
    page.get_by_role("button", name=f"Remove {sold_out['name']}").click()
    expect(message).to_have_text(f"Removed {sold_out['name']} from your cart.")
    expect(lines).to_have_count(1)
    quantity = page.get_by_label(f"Quantity of {last_one['name']}")
    quantity.fill("1")
    quantity.press("Enter")
    expect(message).to_have_text(f"{last_one['name']}: quantity is now 1.")
    expect(page.get_by_test_id("line-warning")).to_have_count(0)
    page.get_by_test_id("checkout-button").click()
    expect(page.get_by_test_id("order-confirmation")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "CONFIRMED")
    snap(page, "confirmation")
    assert shop.stock(last_one["product_id"]) == 0
    assert [order["status"] for order in shop.orders_of(shopper)] == ["CONFIRMED", "FAILED"]


def test_double_click_on_checkout_makes_one_order(shop, page, signed_in, snap):
    shopper = unique("double")
    product = shop.create_product(unique("double"), unique("Kettle"), stock=5, price="30.00")
    shop.add_to_cart(shopper, product["product_id"], 2)
    checkouts: list[Request] = []

    def count_checkouts(request: Request) -> None:
        if request.method == "POST" and urlsplit(request.url).path == "/orders":
            checkouts.append(request)

    page.on("request", count_checkouts)
    page.goto("/#/cart")
    signed_in(page, shopper)
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    snap(page, "cart")
    page.get_by_test_id("checkout-button").dblclick()

    expect(page.get_by_test_id("order-confirmation")).to_be_visible()
    order_id = page.get_by_test_id("order-id").inner_text()
    expect(page).to_have_url(re.compile(f"#/orders/{order_id}$"))
    snap(page, "confirmation")
    assert len(checkouts) == 1, [request.headers.get("idempotency-key") for request in checkouts]
    assert checkouts[0].headers.get("idempotency-key")
    orders = shop.orders_of(shopper)
    assert [order["order_id"] for order in orders] == [order_id]
    assert shop.stock(product["product_id"]) == 3
    assert shop.cart_of(shopper) == {}
