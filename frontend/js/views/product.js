// One product: its picture and description, and adding a chosen quantity to the cart.

import { api, describeError, segment } from "../api.js";
import { fill, h, heading, loading, money, productImage, stockBadge } from "../dom.js";
import { isAdmin } from "../session.js";
import { addToCart } from "./catalogue.js";

export const MAX_QUANTITY = 99;

/** `#/product/<id>`. */
export async function renderProduct(view, { productId }) {
  fill(view, loading("Loading product…"));
  let product;
  try {
    product = await api.get(`/products/${segment(productId)}`, { anonymous: true });
  } catch (error) {
    document.title = "Product not available · ShopSmart";
    fill(
      view,
      heading(1, "Product not available"),
      h("p", { class: "error", role: "alert" }, describeError(error)),
      h("p", {}, h("a", { href: "#/" }, "Back to the shop")),
    );
    return;
  }
  document.title = `${product.name} · ShopSmart`;

  const quantity = h("input", {
    id: "quantity",
    name: "quantity",
    type: "number",
    inputmode: "numeric",
    min: "1",
    max: String(MAX_QUANTITY),
    value: "1",
    required: true,
  });
  const flash = h("p", { class: "flash", role: "status", "data-testid": "add-to-cart-message" });
  const addButton = h("button", { type: "submit", disabled: product.inventory_count <= 0 }, "Add to cart");
  const form = h(
    "form",
    {
      class: "add-to-cart",
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        const wanted = Number(quantity.value);
        if (!Number.isInteger(wanted) || wanted < 1 || wanted > MAX_QUANTITY) {
          flash.classList.add("error");
          flash.textContent = `Choose a quantity from 1 to ${MAX_QUANTITY}.`;
          quantity.focus();
          return;
        }
        addToCart(product, wanted, addButton, flash);
      },
    },
    h("label", { for: "quantity" }, "Quantity"),
    quantity,
    addButton,
  );

  const category = product.category;
  fill(
    view,
    h("p", { class: "breadcrumbs" }, h("a", { href: "#/" }, "Shop"), " › ", h("a", { href: `#/category/${segment(category)}` }, category)),
    h(
      "article",
      { class: "product-detail", "data-testid": "product-detail", dataset: { productId: product.product_id } },
      productImage(product, { alt: product.name, width: 480 }),
      h(
        "div",
        { class: "product-info" },
        heading(1, product.name),
        h("p", { class: "price price-large", "data-testid": "price" }, money(product.price)),
        stockBadge(product.inventory_count),
        h("p", { class: "description" }, product.description || ""),
        form,
        flash,
        isAdmin() ? h("p", {}, h("a", { href: `#/admin/product/${segment(product.product_id)}` }, "Edit product")) : null,
      ),
    ),
  );
}
