// The catalogue: category navigation, product cards and "Load more" pagination.

import { api, describeError, query, segment } from "../api.js";
import { cartApi } from "../cart-api.js";
import { refreshCartCount } from "../cart-count.js";
import { fill, h, heading, loading, money, productImage, skeletonCards, stockBadge } from "../dom.js";

export const PAGE_SIZE = 12;
// The first screenful of cards, two rows on a phone and a row on a desktop: pictures load at once.
const FIRST_SCREEN_CARDS = 6;
const SKELETON_CARDS = 4;

/** `#/` (every product) or `#/category/<name>`. */
export async function renderCatalogue(view, { category = null } = {}) {
  const title = category || "All products";
  document.title = `${title} · ShopSmart`;
  const categoryNav = h("nav", { class: "categories", "aria-label": "Categories" }, loading("Loading categories…"));
  const grid = h("ul", { class: "product-grid", "data-testid": "product-grid", "aria-label": "Products" });
  const status = h("div", { class: "list-status" });
  const loadMore = h("button", { type: "button", class: "load-more secondary", hidden: true }, "Load more");
  const flash = h("p", { class: "flash", role: "status", "data-testid": "catalogue-message" });

  fill(
    view,
    h(
      "div",
      { class: "catalogue" },
      categoryNav,
      h("section", { class: "catalogue-products", "aria-labelledby": "catalogue-title" }, heading(1, title, { id: "catalogue-title" }), flash, grid, status, loadMore),
    ),
  );

  renderCategories(categoryNav, category);

  let cursor = null;
  async function loadPage() {
    loadMore.disabled = true;
    loadMore.setAttribute("aria-busy", "true");
    fill(status, loading(cursor ? "Loading more products…" : "Loading products…"));
    const firstPage = !cursor;
    const skeletons = firstPage ? skeletonCards(SKELETON_CARDS) : [];
    grid.append(...skeletons);
    try {
      const page = await api.get(`/products${query({ category, limit: PAGE_SIZE, cursor })}`, { anonymous: true });
      skeletons.forEach((skeleton) => skeleton.remove());
      grid.append(...page.items.map((product, index) => productCard(product, flash, { eager: firstPage && index < FIRST_SCREEN_CARDS })));
      cursor = page.next_cursor;
      loadMore.hidden = !cursor;
      fill(status, grid.children.length ? null : h("p", { class: "empty" }, "No products here yet."));
    } catch (error) {
      skeletons.forEach((skeleton) => skeleton.remove());
      fill(
        status,
        h("p", { class: "error", role: "alert" }, `Could not load products: ${describeError(error)}`),
        h("button", { type: "button", class: "secondary", onclick: loadPage }, "Try again"),
      );
    } finally {
      loadMore.disabled = false;
      loadMore.removeAttribute("aria-busy");
    }
  }
  loadMore.addEventListener("click", loadPage);
  await loadPage();
}

async function renderCategories(nav, selected) {
  const link = (label, href, isCurrent, count) =>
    h("li", {}, h("a", { href, "aria-current": isCurrent ? "page" : null }, label, count === undefined ? null : h("span", { class: "count" }, ` (${count})`)));
  try {
    const { items } = await api.get("/categories", { anonymous: true });
    fill(
      nav,
      h("h2", { class: "nav-title" }, "Categories"),
      h(
        "ul",
        {},
        link("All products", "#/", !selected),
        items.map((category) => link(category.name, `#/category/${segment(category.name)}`, category.name === selected, category.product_count)),
      ),
    );
  } catch (error) {
    fill(nav, h("p", { class: "error", role: "alert" }, `Could not load categories: ${describeError(error)}`));
  }
}

/** One product in the grid: picture, name, price, stock, and a quick "Add to cart". */
export function productCard(product, flash, { eager = false } = {}) {
  const productLink = `#/product/${segment(product.product_id)}`;
  const add = h(
    "button",
    {
      type: "button",
      // Starts with the words on the button, which is what voice control users say.
      "aria-label": `Add to cart: ${product.name}`,
      disabled: product.inventory_count <= 0,
      onclick: () => addToCart(product, 1, add, flash),
    },
    "Add to cart",
  );
  return h(
    "li",
    { class: "product-card", "data-testid": "product-card", dataset: { productId: product.product_id } },
    h("a", { href: productLink, class: "card-link" }, productImage(product, { eager }), h("h2", { class: "product-name" }, product.name)),
    h("p", { class: "price", "data-testid": "price" }, money(product.price)),
    stockBadge(product.inventory_count),
    add,
  );
}

/** Add `quantity` of `product` to the cart (a guest's too), saying the outcome in `flash`. */
export async function addToCart(product, quantity, button, flash) {
  flash.classList.remove("error");
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    await cartApi.post("/cart/items", { product_id: product.product_id, quantity });
    flash.textContent = `Added ${quantity} × ${product.name} to your cart.`;
    refreshCartCount();
    return true;
  } catch (error) {
    flash.classList.add("error");
    flash.textContent = `Could not add ${product.name} to your cart: ${describeError(error)}`;
    return false;
  } finally {
    button.disabled = product.inventory_count <= 0;
    button.removeAttribute("aria-busy");
  }
}
