"""Guest carts in the browser: a shopper who never signed in fills a cart, signs in and finds it
merged, sees prices that changed since adding, and is asked to sign in to check out."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from urllib.parse import urlsplit

from playwright.sync_api import Page, Request, expect

GUEST_TOKEN_KEY = "shopsmart.guest-token"  # frontend/js/guest.js
CART_LINE_LIMIT = 50  # services/cart: MAX_LINES


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def guest_token(page: Page) -> str | None:
    return page.evaluate(f"localStorage.getItem('{GUEST_TOKEN_KEY}')")


def requests_to(page: Page, method: str, path: str) -> list[Request]:
    """Every `method path` request the page sends from now on."""
    seen: list[Request] = []

    def keep(request: Request) -> None:
        if request.method == method and urlsplit(request.url).path == path:
            seen.append(request)

    page.on("request", keep)
    return seen


def test_a_guest_fills_a_cart_signs_in_and_checks_out(shop, page, signed_in, snap, dollars):
    shopper = unique("guest-shopper")
    category = unique("guest")
    products = shop.create_products(category, "Vase", 2, stock=5)
    (first_name, first), (second_name, second) = sorted(products.items())
    merges = requests_to(page, "POST", "/cart/merge")

    # As a guest: one product from its card, two of the other from its own page.
    page.goto(f"/#/category/{category}")
    expect(page.get_by_test_id("signed-in-user")).to_have_count(0)
    page.get_by_role("button", name=f"Add to cart: {first_name}").click()
    expect(page.get_by_test_id("catalogue-message")).to_have_text(
        f"Added 1 \N{MULTIPLICATION SIGN} {first_name} to your cart."
    )
    token = guest_token(page)
    assert token, "the page keeps the guest token the cart service issued"
    page.get_by_role("link", name=second_name, exact=True).click()
    page.get_by_label("Quantity", exact=True).fill("2")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page.get_by_test_id("add-to-cart-message")).to_have_text(
        f"Added 2 \N{MULTIPLICATION SIGN} {second_name} to your cart."
    )
    expect(page.get_by_test_id("cart-count")).to_have_attribute("data-count", "3")
    assert guest_token(page) == token, "one guest token, fetched once"

    # The guest's cart, with a quantity changed.
    page.get_by_test_id("cart-link").click()
    lines = page.get_by_test_id("cart-line")
    expect(lines).to_have_count(2)
    expect(page.get_by_test_id("guest-cart-note")).to_be_visible()
    quantity = page.get_by_label(f"Quantity of {first_name}")
    quantity.fill("3")
    quantity.press("Enter")
    expect(page.get_by_test_id("cart-message")).to_have_text(f"{first_name}: quantity is now 3.")
    expect(page.get_by_test_id("checkout-button")).to_have_text("Sign in to check out")
    snap(page, "guest-cart")

    # Signing in brings the cart along, merged once; the guest token is forgotten.
    signed_in(page, shopper)
    expect(page.get_by_test_id("guest-cart-note")).to_have_count(0)
    expect(lines).to_have_count(2)
    first_price, second_price = Decimal(first["price"]), Decimal(second["price"])
    expect(page.get_by_test_id("subtotal")).to_have_text(dollars(3 * first_price + 2 * second_price))
    expect(page.get_by_test_id("cart-count")).to_have_attribute("data-count", "5")
    expect(page.get_by_test_id("site-notice")).to_be_empty()
    assert len(merges) == 1
    assert merges[0].post_data_json == {"guest_token": token}
    assert guest_token(page) is None
    assert shop.cart_of(shopper) == {first["product_id"]: 3, second["product_id"]: 2}
    snap(page, "merged-cart")

    page.get_by_test_id("checkout-button").click()
    expect(page.get_by_test_id("order-confirmation")).to_be_visible()
    order_id = page.get_by_test_id("order-id").inner_text()
    expect(page).to_have_url(re.compile(f"#/orders/{order_id}$"))
    expect(page.get_by_test_id("order-total")).to_have_text(dollars(3 * first_price + 2 * second_price))
    snap(page, "confirmation")
    assert [order["order_id"] for order in shop.orders_of(shopper)] == [order_id]
    assert shop.cart_of(shopper) == {}
    assert len(merges) == 1, "a merged guest cart is never merged again"


def test_a_price_changed_since_adding_is_shown_before_checkout(shop, page, signed_in, snap, dollars):
    shopper = unique("repriced")
    category = unique("repriced")
    product = shop.create_product(category, unique("Clock"), stock=5, price="9.99")
    steady = shop.create_product(category, unique("Candle"), stock=5, price="3.00")

    page.goto(f"/#/category/{category}")
    for each in (product, steady):
        page.get_by_role("button", name=f"Add to cart: {each['name']}").click()
        expect(page.get_by_test_id("catalogue-message")).to_have_text(
            f"Added 1 \N{MULTIPLICATION SIGN} {each['name']} to your cart."
        )
    shop.reprice(product["product_id"], "8.49")

    page.get_by_test_id("cart-link").click()
    lines = page.get_by_test_id("cart-line")
    expect(lines).to_have_count(2)
    changed = lines.filter(has_text=product["name"]).get_by_test_id("price-changed")
    expect(changed).to_have_text("Price changed from 9.99 to 8.49")
    expect(lines.filter(has_text=steady["name"]).get_by_test_id("price-changed")).to_have_count(0)
    expect(page.get_by_test_id("prices-changed")).to_be_visible()
    expect(page.get_by_test_id("subtotal")).to_have_text(dollars("11.49"))
    snap(page, "guest-cart-price-changed")

    # Still shown after sign-in, and the order charges the current price.
    signed_in(page, shopper)
    expect(changed).to_have_text("Price changed from 9.99 to 8.49")
    snap(page, "cart-price-changed")
    page.get_by_test_id("checkout-button").click()
    expect(page.get_by_test_id("order-confirmation")).to_be_visible()
    expect(page.get_by_test_id("order-total")).to_have_text(dollars("11.49"))


def test_a_guest_checking_out_is_sent_to_sign_in_and_back_to_the_cart(shop, page, snap):
    product = shop.create_product(unique("ask"), unique("Rug"), stock=5, price="40.00")
    checkouts = requests_to(page, "POST", "/orders")

    page.goto(f"/#/product/{product['product_id']}")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page.get_by_test_id("cart-count")).to_have_attribute("data-count", "1")
    page.get_by_test_id("cart-link").click()
    checkout = page.get_by_test_id("checkout-button")
    expect(checkout).to_have_text("Sign in to check out")
    snap(page, "guest-checkout")
    checkout.click()
    # Off to the provider's sign-in page, and back to the cart, which came along.
    expect(page).to_have_title(re.compile("^Sign in"))
    shopper = unique("asked")
    page.get_by_label("User name").fill(shopper)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_test_id("signed-in-user")).to_have_text(shopper)
    expect(page).to_have_url(re.compile("#/cart$"))
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    expect(page.get_by_test_id("checkout-button")).to_have_text("Checkout")
    assert checkouts == [], "a guest never asks for an order"


def test_a_refused_guest_token_is_replaced(shop, page):
    product = shop.create_product(unique("forged"), unique("Lamp"), stock=5, price="15.00")
    forged = f"{uuid.uuid4().hex}.{'A' * 43}"
    page.goto("/")
    page.evaluate(f"localStorage.setItem('{GUEST_TOKEN_KEY}', '{forged}')")

    page.goto(f"/#/product/{product['product_id']}")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page.get_by_test_id("add-to-cart-message")).to_have_text(
        f"Added 1 \N{MULTIPLICATION SIGN} {product['name']} to your cart."
    )
    expect(page.get_by_test_id("cart-count")).to_have_attribute("data-count", "1")
    assert guest_token(page) not in (None, forged)


def test_lines_that_do_not_fit_are_reported_after_sign_in(shop, page, signed_in, snap):
    shopper = unique("full")
    category = unique("full")
    for number in range(CART_LINE_LIMIT):
        held = shop.create_product(category, f"Held {number:02d}", stock=5, price="1.00")
        shop.add_to_cart(shopper, held["product_id"], 1)
    extra = shop.create_product(unique("extra"), unique("Extra"), stock=5, price="2.00")

    page.goto(f"/#/product/{extra['product_id']}")
    page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(page.get_by_test_id("cart-count")).to_have_attribute("data-count", "1")
    signed_in(page, shopper)
    expect(page.get_by_test_id("site-notice-text")).to_have_text(
        "1 product you added before signing in did not fit in your cart "
        "(it holds at most 50 different products), so it was not added."
    )
    expect(page.get_by_test_id("cart-count")).to_have_attribute("data-count", str(CART_LINE_LIMIT))
    snap(page, "not-moved-notice")
    page.get_by_role("button", name="Dismiss this message").click()
    expect(page.get_by_test_id("site-notice")).to_be_empty()
    assert extra["product_id"] not in shop.cart_of(shopper)
