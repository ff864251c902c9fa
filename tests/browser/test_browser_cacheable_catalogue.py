"""A signed-in shopper's catalogue reads carry no token, so a CDN may serve them as it serves
everyone's; the cart, which is the shopper's own, still carries it and is never stored."""

from __future__ import annotations

import uuid

from playwright.sync_api import Request, expect


def test_a_signed_in_shoppers_product_pages_are_shared_answers_and_the_cart_is_not(
    shop, open_page, signed_in
):
    category = f"cacheable-{uuid.uuid4().hex[:8]}"
    product = shop.create_product(category, f"Kettle-{uuid.uuid4().hex[:6]}", stock=5, price="30.00")
    page = open_page()
    page.goto("/#/cart")
    signed_in(page, f"cacheable-{uuid.uuid4().hex[:8]}")
    seen: list[Request] = []
    page.on("requestfinished", lambda request: seen.append(request))

    page.goto(f"/#/product/{product['product_id']}")
    expect(page.get_by_role("heading", level=1, name=product["name"])).to_be_visible()
    page.goto(f"/#/category/{category}")
    expect(page.get_by_text(product["name"])).to_be_visible()
    page.goto("/#/cart")
    expect(page.get_by_test_id("cart-empty")).to_be_visible()

    catalogue = [request for request in seen if "/products" in request.url or "/categories" in request.url]
    assert catalogue, [request.url for request in seen]
    for request in catalogue:
        assert "authorization" not in set(request.all_headers()), request.url
        assert request.response().header_value("cache-control").startswith("public, max-age="), request.url
    carts = [request for request in seen if request.url.endswith("/cart")]
    assert carts
    for cart in carts:
        assert cart.all_headers()["authorization"].startswith("Bearer ")
        assert cart.response().header_value("cache-control") == "no-store"
