"""Restocking in the browser as an administrator: the new stock shows at once, and the API agrees."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_admin_restocks_a_product(shop, page, signed_in, snap):
    admin = unique("admin")
    product = shop.create_product(unique("restock"), unique("Desk fan"), stock=3, price="45.00")
    name = product["name"]

    page.goto("/")
    signed_in(page, admin, admin=True)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Manage products")).to_be_visible()
    expect(page.get_by_test_id("admin-product-row").first).to_be_visible()
    snap(page, "admin")

    page.goto(f"/#/product/{product['product_id']}")
    expect(page.get_by_test_id("stock")).to_have_text("Only 3 left")
    page.get_by_role("link", name="Edit product").click()
    expect(page.get_by_role("heading", level=1, name=f"Edit {name}")).to_be_visible()
    stock_now = page.get_by_test_id("current-stock")
    expect(stock_now).to_have_text("3")
    snap(page, "admin-edit")

    page.get_by_label("Units to add").fill("7")
    page.get_by_role("button", name="Restock", exact=True).click()
    expect(page.get_by_test_id("product-form-message")).to_have_text("Restocked: 10 in stock.")
    expect(stock_now).to_have_text("10")
    expect(page.get_by_label("Stock", exact=True)).to_have_value("10")
    snap(page, "admin-restocked")
    assert shop.stock(product["product_id"]) == 10

    page.get_by_role("link", name="View in the shop").click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    expect(page.get_by_test_id("stock")).to_have_text("In stock")
    snap(page, "product")


def test_a_restock_of_a_split_product_sold_meanwhile_asks_to_reload(shop, page, signed_in, snap):
    """The page restocks by what it showed; a sale from any of the product's shards since then makes
    the server refuse it (412), and after a reload the restock adds to the stock there really is."""
    admin, shopper = unique("admin"), unique("shopper")
    product = shop.create_product(unique("restock"), unique("Hot kettle"), stock=40, price="30.00")
    shop.split_stock(product["product_id"], 4)

    page.goto("/")
    signed_in(page, admin, admin=True)
    page.goto(f"/#/admin/product/{product['product_id']}")
    stock_now = page.get_by_test_id("current-stock")
    expect(stock_now).to_have_text("40")
    shop.add_to_cart(shopper, product["product_id"], 2)
    shop.checkout(shopper)

    page.get_by_label("Units to add").fill("5")
    page.get_by_role("button", name="Restock", exact=True).click()
    message = page.get_by_test_id("product-form-message")
    expect(message).to_contain_text("changed since the page loaded")
    snap(page, "admin-restock-stale")
    assert shop.stock(product["product_id"]) == 38

    message.get_by_role("button", name="Reload").click()
    expect(stock_now).to_have_text("38")
    page.get_by_label("Units to add").fill("5")
    page.get_by_role("button", name="Restock", exact=True).click()
    expect(message).to_have_text("Restocked: 43 in stock.")
    assert shop.stock(product["product_id"]) == 43


def test_shoppers_cannot_manage_products(shop, page, signed_in, snap):
    shopper = unique("shopper")
    product = shop.create_product(unique("restock"), unique("Desk lamp"), stock=3)

    page.goto("/")
    signed_in(page, shopper)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin")).to_have_count(0)
    page.goto(f"/#/admin/product/{product['product_id']}")
    expect(page.get_by_text("Only administrators can manage products.")).to_be_visible()
    expect(page.get_by_role("button", name="Restock")).to_have_count(0)
    snap(page, "admin-refused")
    assert shop.stock(product["product_id"]) == 3
