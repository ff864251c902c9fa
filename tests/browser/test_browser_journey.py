"""The whole shopper journey in the browser: sign in, browse a category page by page, add two
products, change a quantity, check out, find the order in the history, cancel it, and see the stock
come back."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from playwright.sync_api import expect

CATALOGUE_PAGE_SIZE = 12  # frontend/js/views/catalogue.js
PRODUCTS_IN_CATEGORY = 2 * CATALOGUE_PAGE_SIZE + 1  # three pages: 12, 12 and 1
STOCK = 5  # low enough that the page shows the number ("Only 5 left")


def test_shopper_journey(shop, page, signed_in, snap, dollars):
    shopper = f"shopper-{uuid.uuid4().hex[:10]}"
    category = f"journey-{uuid.uuid4().hex[:10]}"
    products = shop.create_products(category, "Lamp", PRODUCTS_IN_CATEGORY, stock=STOCK)
    # An older order of the same shopper, so "newest first" has something to be first before.
    older = shop.create_product(f"older-{uuid.uuid4().hex[:10]}", "Older purchase", stock=3)
    shop.add_to_cart(shopper, older["product_id"], 1)
    older_order = shop.checkout(shopper)

    # Sign in, then browse the category, page by page.
    page.goto("/")
    signed_in(page, shopper)
    categories = page.get_by_role("navigation", name="Categories")
    category_link = categories.get_by_role("link", name=f"{category} ({PRODUCTS_IN_CATEGORY})")
    category_link.click()
    expect(page).to_have_url(re.compile(f"#/category/{category}$"))
    expect(page.get_by_role("heading", level=1, name=category)).to_be_visible()
    expect(category_link).to_have_attribute("aria-current", "page")
    cards = page.get_by_test_id("product-card")
    expect(cards).to_have_count(CATALOGUE_PAGE_SIZE)
    picture = cards.first.locator("img")  # alt="" (the name beside it says it all)
    expect(picture).to_have_js_property("complete", True)
    assert picture.evaluate("image => image.naturalWidth") > 0, "the product image loads through the gateway"
    snap(page, "catalogue")
    load_more = page.get_by_role("button", name="Load more", exact=True)
    load_more.click()
    expect(cards).to_have_count(2 * CATALOGUE_PAGE_SIZE)
    load_more.click()
    expect(cards).to_have_count(PRODUCTS_IN_CATEGORY)
    expect(load_more).to_be_hidden()
    shown = cards.locator(".product-name").all_inner_texts()
    assert sorted(shown) == sorted(products), "each product of the category exactly once"
    expect(cards.get_by_test_id("stock")).to_have_text([f"Only {STOCK} left"] * PRODUCTS_IN_CATEGORY)
    snap(page, "catalogue-all-pages")

    # The first product straight from its card, the last one (on the third page) from its own page.
    first_name, last_name = shown[0], shown[-1]
    first, last = products[first_name], products[last_name]
    page.get_by_role("button", name=f"Add to cart: {first_name}").click()
    expect(page.get_by_test_id("catalogue-message")).to_have_text(
        f"Added 1 \N{MULTIPLICATION SIGN} {first_name} to your cart."
    )
    expect(page.get_by_test_id("cart-count")).to_have_attribute("data-count", "1")
    page.get_by_role("link", name=last_name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=last_name)).to_be_visible()
    expect(page.get_by_test_id("price")).to_have_text(dollars(last["price"]))
    expect(page.get_by_test_id("stock")).to_have_text(f"Only {STOCK} left")
    snap(page, "product")
    page.get_by_label("Quantity", exact=True).fill("2")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page.get_by_test_id("add-to-cart-message")).to_have_text(
        f"Added 2 \N{MULTIPLICATION SIGN} {last_name} to your cart."
    )
    expect(page.get_by_test_id("cart-count")).to_have_attribute("data-count", "3")

    # The cart: two lines; three of the first product instead of one.
    page.get_by_test_id("cart-link").click()
    expect(page.get_by_test_id("cart-line")).to_have_count(2)
    first_price, last_price = Decimal(first["price"]), Decimal(last["price"])
    expect(page.get_by_test_id("subtotal")).to_have_text(dollars(first_price + 2 * last_price))
    quantity = page.get_by_label(f"Quantity of {first_name}")
    quantity.fill("3")
    quantity.press("Enter")
    expect(page.get_by_test_id("cart-message")).to_have_text(f"{first_name}: quantity is now 3.")
    expect(page.get_by_test_id("subtotal")).to_have_text(dollars(3 * first_price + 2 * last_price))
    expect(page.get_by_test_id("cart-count")).to_have_attribute("data-count", "5")
    assert shop.cart_of(shopper) == {first["product_id"]: 3, last["product_id"]: 2}
    snap(page, "cart")

    # Checkout: the order's own page, with a confirmation.
    page.get_by_test_id("checkout-button").click()
    expect(page.get_by_test_id("order-confirmation")).to_be_visible()
    order_id = page.get_by_test_id("order-id").inner_text()
    expect(page).to_have_url(re.compile(f"#/orders/{order_id}$"))
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "CONFIRMED")
    expect(page.get_by_test_id("order-total")).to_have_text(dollars(3 * first_price + 2 * last_price))
    expect(page.get_by_test_id("cart-count")).to_be_hidden()
    snap(page, "confirmation")
    assert shop.stock(first["product_id"]) == STOCK - 3
    assert shop.stock(last["product_id"]) == STOCK - 2

    # The history, newest first; then the order, cancelled.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders", exact=True).click()
    rows = page.get_by_test_id("order-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-order-id", order_id)
    expect(rows.nth(1)).to_have_attribute("data-order-id", older_order["order_id"])
    snap(page, "history")
    page.get_by_role("link", name=f"Order {order_id}").click()
    expect(page.get_by_test_id("order-id")).to_have_text(order_id)
    expect(page.get_by_test_id("order-confirmation")).to_have_count(0)
    snap(page, "order")
    page.get_by_role("button", name="Cancel order").click()
    expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "CANCELLED")
    expect(page.get_by_test_id("order-message")).to_have_text(
        "Your order is cancelled and its items are back in stock."
    )
    expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)
    snap(page, "order-cancelled")

    # The stock is back, on each product's page and in the API.
    page.get_by_test_id("order-lines").get_by_role("link", name=first_name).click()
    expect(page.get_by_role("heading", level=1, name=first_name)).to_be_visible()
    expect(page.get_by_test_id("stock")).to_have_text(f"Only {STOCK} left")
    snap(page, "product-restocked")
    page.go_back()
    page.get_by_test_id("order-lines").get_by_role("link", name=last_name).click()
    expect(page.get_by_role("heading", level=1, name=last_name)).to_be_visible()
    expect(page.get_by_test_id("stock")).to_have_text(f"Only {STOCK} left")
    assert shop.stock(first["product_id"]) == STOCK
    assert shop.stock(last["product_id"]) == STOCK
    assert [order["status"] for order in shop.orders_of(shopper)] == ["CANCELLED", "CONFIRMED"]
