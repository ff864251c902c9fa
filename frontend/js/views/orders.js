// Order history (newest first), one order's details, and cancelling a confirmed order.

import { api, describeError, query, segment } from "../api.js";
import { dateTime, fill, h, heading, loading, money } from "../dom.js";
import { currentSession } from "../session.js";

export const PAGE_SIZE = 10;
const CANCELLABLE = "CONFIRMED";
const STATUS_WORDS = { PENDING: "Pending", CONFIRMED: "Confirmed", CANCELLED: "Cancelled", FAILED: "Failed" };

// The order the cart page just placed, so its page opens with a confirmation.
let justPlaced = null;

export function announceOrderPlaced(orderId) {
  justPlaced = orderId;
}

function statusBadge(status) {
  return h("span", { class: `order-status status-${String(status).toLowerCase()}`, "data-testid": "order-status", dataset: { status } }, STATUS_WORDS[status] || status);
}

function shortId(orderId) {
  return orderId.length > 12 ? `${orderId.slice(0, 8)}…` : orderId;
}

function itemCount(order) {
  const count = order.items.reduce((sum, item) => sum + item.quantity, 0);
  return `${count} ${count === 1 ? "item" : "items"}`;
}

function signInFirst(view, title) {
  fill(view, heading(1, title), h("p", { class: "notice" }, "Sign in to see your orders — use “Sign in” at the top of the page."));
}

/** `#/orders`: the caller's orders, newest first, with "Load more". */
export async function renderOrders(view) {
  document.title = "Your orders · ShopSmart";
  if (!currentSession()) return signInFirst(view, "Your orders");

  const list = h("ol", { class: "order-list", "data-testid": "order-list", "aria-label": "Your orders, newest first" });
  const status = h("div", { class: "list-status" });
  const loadMore = h("button", { type: "button", class: "load-more secondary", hidden: true }, "Load more orders");
  fill(view, heading(1, "Your orders"), list, status, loadMore);

  let cursor = null;
  async function loadPage() {
    loadMore.disabled = true;
    fill(status, loading("Loading your orders…"));
    try {
      const page = await api.get(`/orders${query({ limit: PAGE_SIZE, cursor })}`);
      list.append(...page.items.map(orderRow));
      cursor = page.next_cursor;
      loadMore.hidden = !cursor;
      fill(status, list.children.length ? null : h("p", { class: "empty" }, "You have no orders yet. ", h("a", { href: "#/" }, "Start shopping")));
    } catch (error) {
      fill(
        status,
        h("p", { class: "error", role: "alert" }, `Could not load your orders: ${describeError(error)}`),
        h("button", { type: "button", class: "secondary", onclick: loadPage }, "Try again"),
      );
    } finally {
      loadMore.disabled = false;
    }
  }
  loadMore.addEventListener("click", loadPage);
  await loadPage();
}

function orderRow(order) {
  return h(
    "li",
    { class: "order-row", "data-testid": "order-row", dataset: { orderId: order.order_id } },
    h("a", { href: `#/orders/${segment(order.order_id)}`, "aria-label": `Order ${order.order_id}` }, `Order ${shortId(order.order_id)}`),
    h("span", { class: "order-date" }, dateTime(order.created_at)),
    statusBadge(order.status),
    h("span", { class: "order-items" }, itemCount(order)),
    h("strong", { class: "order-total" }, money(order.total_price)),
  );
}

/** `#/orders/<id>`: the lines, the total, and "Cancel order" while it is confirmed. */
export async function renderOrder(view, { orderId }) {
  document.title = "Your order · ShopSmart";
  if (!currentSession()) return signInFirst(view, "Your order");
  fill(view, loading("Loading your order…"));

  let order;
  try {
    order = await api.get(`/orders/${segment(orderId)}`);
  } catch (error) {
    fill(view, heading(1, "Order not available"), h("p", { class: "error", role: "alert" }, describeError(error)), h("p", {}, h("a", { href: "#/orders" }, "Back to your orders")));
    return;
  }
  const confirmation = justPlaced === order.order_id;
  justPlaced = null;
  const message = h("div", { class: "flash", role: "status", "data-testid": "order-message" });
  draw();

  function draw() {
    document.title = `Order ${shortId(order.order_id)} · ShopSmart`;
    fill(
      view,
      h("p", { class: "breadcrumbs" }, h("a", { href: "#/orders" }, "Your orders")),
      confirmation
        ? h("div", { class: "confirmation", "data-testid": "order-confirmation" }, h("h2", {}, "Thank you for your order!"), h("p", {}, `Your order number is ${order.order_id}.`))
        : null,
      heading(1, `Order ${shortId(order.order_id)}`),
      h(
        "dl",
        { class: "order-facts" },
        h("dt", {}, "Order number"),
        h("dd", { "data-testid": "order-id" }, order.order_id),
        h("dt", {}, "Placed"),
        h("dd", {}, dateTime(order.created_at)),
        h("dt", {}, "Status"),
        h("dd", {}, statusBadge(order.status)),
      ),
      h(
        "table",
        { class: "order-lines", "data-testid": "order-lines" },
        h("caption", { class: "visually-hidden" }, "Items in this order"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Product"), h("th", { scope: "col" }, "Price"), h("th", { scope: "col" }, "Quantity"), h("th", { scope: "col" }, "Total"))),
        h(
          "tbody",
          {},
          order.items.map((item) =>
            h(
              "tr",
              { dataset: { productId: item.product_id } },
              h("th", { scope: "row" }, h("a", { href: `#/product/${segment(item.product_id)}` }, item.name)),
              h("td", {}, money(item.unit_price)),
              h("td", {}, String(item.quantity)),
              h("td", {}, money(item.line_total)),
            ),
          ),
        ),
        h("tfoot", {}, h("tr", {}, h("th", { scope: "row", colspan: "3" }, "Total"), h("td", { "data-testid": "order-total" }, money(order.total_price)))),
      ),
      message,
      order.status === CANCELLABLE ? h("button", { type: "button", class: "danger", onclick: (event) => cancel(event.currentTarget) }, "Cancel order") : null,
    );
  }

  async function cancel(button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    fill(message, "Cancelling your order…");
    try {
      order = await api.post(`/orders/${segment(order.order_id)}/cancel`);
      draw();
      fill(message, "Your order is cancelled and its items are back in stock.");
    } catch (error) {
      message.classList.add("error");
      fill(message, `Could not cancel the order: ${describeError(error)}`);
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
}
