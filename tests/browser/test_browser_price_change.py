"""A price that rises while the shopper looks at the cart is never charged silently: the checkout
is refused, the page shows the new price, and the shopper checks out again at it."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_a_price_rise_since_the_cart_was_shown_is_shown_and_confirmed_again(
    shop, page, signed_in, snap, dollars
):
    shopper = unique("repriced")
    product = shop.create_product(unique("repriced"), unique("Teapot"), stock=5, price="5.00")
    shop.add_to_cart(shopper, product["product_id"], 2)
    page.goto("/#/cart")
    signed_in(page, shopper)
    expect(page.get_by_test_id("subtotal")).to_have_text(dollars("10.00"))

    shop.reprice(product["product_id"], "6.00")  # an admin changes it while the shopper looks
    page.get_by_test_id("checkout-button").click()

    expect(page.get_by_test_id("cart-message")).to_contain_text(
        "Your order was not placed: your cart changed"
    )
    expect(page.get_by_test_id("changed-items")).to_have_text(
        f"{product['name']}: now {dollars('6.00')} (was {dollars('5.00')})."
    )
    expect(page.get_by_test_id("subtotal")).to_have_text(dollars("12.00"))
    snap(page, "cart-price-changed")
    assert shop.stock(product["product_id"]) == 5
    assert [order["status"] for order in shop.orders_of(shopper)] == ["FAILED"]

    page.get_by_test_id("checkout-button").click()
    expect(page.get_by_test_id("order-confirmation")).to_be_visible()
    [confirmed, _] = shop.orders_of(shopper)
    assert (confirmed["status"], confirmed["total_price"]) == ("CONFIRMED", "12.00")
    assert shop.stock(product["product_id"]) == 3
