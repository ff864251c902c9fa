"""Two shoppers in two browser contexts: neither sees the other's cart lines or orders."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_another_shopper_sees_none_of_the_first_ones_cart_or_orders(shop, open_page, signed_in, snap):
    alice, bob = unique("alice"), unique("bob")
    category = unique("isolation")
    bought = shop.create_product(category, unique("Teapot"), stock=5, price="20.00")
    wanted = shop.create_product(category, unique("Teacup"), stock=5, price="6.00")
    shop.add_to_cart(alice, bought["product_id"], 1)
    alice_order = shop.checkout(alice)["order_id"]
    shop.add_to_cart(alice, wanted["product_id"], 2)

    alice_page = open_page()
    alice_page.goto("/#/cart")
    signed_in(alice_page, alice)
    alice_lines = alice_page.get_by_test_id("cart-line")
    expect(alice_lines).to_have_count(1)
    expect(alice_lines).to_have_attribute("data-product-id", wanted["product_id"])

    # Bob, in a browser context of his own: not signed in, then signed in with an empty cart.
    bob_page = open_page()
    bob_page.goto("/#/cart")
    expect(bob_page.get_by_test_id("signed-in-user")).to_have_count(0)
    expect(bob_page.get_by_text("Sign in to see your cart")).to_be_visible()
    signed_in(bob_page, bob)
    expect(bob_page.get_by_test_id("cart-empty")).to_be_visible()
    expect(bob_page.get_by_test_id("cart-line")).to_have_count(0)
    expect(bob_page.get_by_test_id("cart-count")).to_be_hidden()
    snap(bob_page, "cart-other-shopper")

    bob_page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders", exact=True).click()
    expect(bob_page.get_by_text("You have no orders yet.")).to_be_visible()
    expect(bob_page.get_by_test_id("order-row")).to_have_count(0)
    snap(bob_page, "history-other-shopper")
    bob_page.goto(f"/#/orders/{alice_order}")
    expect(bob_page.get_by_role("heading", level=1, name="Order not available")).to_be_visible()
    expect(bob_page.get_by_test_id("order-id")).to_have_count(0)
    snap(bob_page, "order-of-another-shopper")

    # Bob shops; each cart holds only its owner's lines, each history only its owner's orders.
    bob_page.goto(f"/#/product/{bought['product_id']}")
    bob_page.get_by_role("button", name="Add to cart", exact=True).click()
    expect(bob_page.get_by_test_id("cart-count")).to_have_attribute("data-count", "1")
    bob_page.get_by_test_id("cart-link").click()
    expect(bob_page.get_by_test_id("cart-line")).to_have_attribute("data-product-id", bought["product_id"])
    alice_page.reload()
    expect(alice_page.get_by_test_id("signed-in-user")).to_have_text(alice)
    expect(alice_lines).to_have_count(1)
    expect(alice_lines).to_have_attribute("data-product-id", wanted["product_id"])
    alice_page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders", exact=True).click()
    expect(alice_page.get_by_test_id("order-row")).to_have_attribute("data-order-id", alice_order)
    assert shop.cart_of(alice) == {wanted["product_id"]: 2}
    assert shop.cart_of(bob) == {bought["product_id"]: 1}
