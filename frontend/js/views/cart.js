// The cart: change quantities, remove lines, see the subtotal and any price changed since a line
// was added, and check out. A guest has a cart too, but is asked to sign in to check out.

import { describeError, segment } from "../api.js";
import { cartApi, getCart } from "../cart-api.js";
import { showCartCount } from "../cart-count.js";
import { cartFingerprint, changedItems, placeOrder, shortItems } from "../checkout.js";
import { fill, h, heading, hiddenText, loading, money, productImage } from "../dom.js";
import { currentSession, signIn } from "../session.js";
import { MAX_QUANTITY } from "./product.js";
import { announceOrderPlaced } from "./orders.js";

/** `#/cart`. */
export async function renderCart(view) {
  document.title = "Your cart · ShopSmart";
  const session = currentSession();
  const guestNote = session
    ? null
    : h(
        "p",
        { class: "notice", "data-testid": "guest-cart-note" },
        "You are shopping as a guest: this browser keeps your cart for a day. Sign in to see your cart from other visits and to check out — these items come with you.",
      );

  const lines = h("ul", { class: "cart-lines", "data-testid": "cart-lines", "aria-label": "Items in your cart" });
  const status = h("div", { class: "list-status" });
  const summary = h("div", { class: "cart-summary" });
  const message = h("div", { class: "flash", role: "status", "data-testid": "cart-message" });
  fill(view, heading(1, "Your cart"), guestNote, message, status, lines, summary);

  let cart = { items: [], subtotal: "0.00" };
  let checkingOut = false;

  async function reload({ quiet = false } = {}) {
    if (!quiet) fill(status, loading("Loading your cart…"));
    try {
      cart = await getCart();
      fill(status);
      draw();
      showCartCount(cart.items);
    } catch (error) {
      fill(
        status,
        h("p", { class: "error", role: "alert" }, `Could not load your cart: ${describeError(error)}`),
        h("button", { type: "button", class: "secondary", onclick: () => reload() }, "Try again"),
      );
    }
  }

  function say(text, { isError = false } = {}) {
    message.classList.toggle("error", isError);
    fill(message, text);
  }

  async function change(item, action, busyButton) {
    busyButton.disabled = true;
    busyButton.setAttribute("aria-busy", "true");
    try {
      await action();
      await reload({ quiet: true });
      return true;
    } catch (error) {
      say(`Could not update ${item.name || item.product_id}: ${describeError(error)}`, { isError: true });
      busyButton.disabled = false;
      busyButton.removeAttribute("aria-busy");
      return false;
    }
  }

  function draw() {
    if (!cart.items.length) {
      fill(lines);
      fill(summary, h("p", { class: "empty", "data-testid": "cart-empty" }, "Your cart is empty. ", h("a", { href: "#/" }, "Browse the shop")));
      return;
    }
    fill(lines, cart.items.map(cartLine));
    const checkoutButton = session
      ? h("button", { type: "button", class: "checkout-button", "data-testid": "checkout-button", onclick: () => checkout(checkoutButton) }, "Checkout")
      : h("button", { type: "button", class: "checkout-button", "data-testid": "checkout-button", onclick: askToSignIn }, "Sign in to check out");
    const repriced = cart.items.some((item) => item.available && item.price_changed);
    fill(
      summary,
      repriced ? h("p", { class: "price-changed", "data-testid": "prices-changed" }, "Some prices changed since you added the items; checkout charges the prices shown now.") : null,
      h("p", { class: "subtotal" }, "Subtotal: ", h("strong", { "data-testid": "subtotal" }, money(cart.subtotal))),
      checkoutButton,
    );
  }

  /** A guest cannot check out: off to sign in, back to this cart, which comes along. */
  async function askToSignIn() {
    say("Sign in to check out — your cart is kept.");
    try {
      await signIn();
    } catch (error) {
      say(`Sign in to check out — your cart is kept. ${error.message}`);
    }
  }

  function cartLine(item) {
    const name = item.name || item.product_id;
    const inputId = `quantity-${item.product_id}`;
    const quantity = h("input", { id: inputId, type: "number", inputmode: "numeric", min: "1", max: String(MAX_QUANTITY), value: String(item.quantity), required: true });
    const update = h("button", { type: "submit", class: "secondary" }, "Update", hiddenText(` quantity of ${name}`));
    let sending = null;
    const save = () => {
      const wanted = Number(quantity.value);
      // Enter both submits the form and fires "change": one request is enough.
      if (wanted === item.quantity || wanted === sending) return;
      if (!Number.isInteger(wanted) || wanted < 1 || wanted > MAX_QUANTITY) {
        say(`Choose a quantity of ${name} from 1 to ${MAX_QUANTITY}, or remove it.`, { isError: true });
        quantity.focus();
        return;
      }
      sending = wanted;
      change(item, () => cartApi.put(`/cart/items/${segment(item.product_id)}`, { quantity: wanted }), update).then((done) => {
        sending = null;
        if (done) say(`${name}: quantity is now ${wanted}.`);
      });
    };
    quantity.addEventListener("change", save);
    const remove = h(
      "button",
      {
        type: "button",
        class: "link-button",
        "aria-label": `Remove ${name}`,
        onclick: () =>
          change(item, () => cartApi.delete(`/cart/items/${segment(item.product_id)}`), remove).then((done) => {
            if (done) say(`Removed ${name} from your cart.`);
          }),
      },
      "Remove",
    );
    return h(
      "li",
      { class: "cart-line", "data-testid": "cart-line", dataset: { productId: item.product_id } },
      productImage(item, { width: 96 }),
      h(
        "div",
        { class: "line-info" },
        item.available ? h("a", { href: `#/product/${segment(item.product_id)}`, class: "line-name" }, name) : h("span", { class: "line-name" }, name),
        h("p", { class: "unit-price" }, item.available ? `${money(item.price)} each` : ""),
        priceChange(item),
        lineWarning(item),
      ),
      h(
        "form",
        {
          class: "line-quantity",
          novalidate: true,
          onsubmit: (event) => {
            event.preventDefault();
            save();
          },
        },
        h("label", { for: inputId }, "Quantity", hiddenText(` of ${name}`)),
        quantity,
        update,
      ),
      h("p", { class: "line-total", "data-testid": "line-total" }, item.available ? money(item.line_total) : "—"),
      remove,
    );
  }

  async function checkout(button) {
    if (checkingOut) return;
    checkingOut = true;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = "Placing your order…";
    say("");
    try {
      const order = await placeOrder(cartFingerprint(session.userId, cart.items), cart.version);
      announceOrderPlaced(order.order_id);
      showCartCount([]);
      location.hash = `#/orders/${segment(order.order_id)}`;
    } catch (error) {
      const short = shortItems(error);
      const changed = changedItems(error);
      if (short.length) {
        showShortItems(short);
        await reload({ quiet: true });
      } else if (changed.length) {
        await reload({ quiet: true });
        showChangedItems(changed);
      } else {
        say(`Your order was not placed: ${describeError(error)}`, { isError: true });
        button.textContent = error.isRetryable ? "Try checkout again" : "Checkout";
        button.disabled = false;
      }
    } finally {
      checkingOut = false;
      button.removeAttribute("aria-busy");
    }
  }

  /** Nothing was bought: the cart (reloaded, with the new prices) is shown again to confirm. */
  function showChangedItems(changed) {
    const names = new Map(cart.items.map((item) => [item.product_id, item.name || item.product_id]));
    message.classList.add("error");
    fill(
      message,
      h("p", {}, "Your order was not placed: your cart changed since you looked at it. Check the prices below and check out again."),
      h(
        "ul",
        { class: "short-items", "data-testid": "changed-items" },
        changed.map((item) => {
          const name = names.get(item.product_id) || item.product_id;
          const text = item.new_price !== undefined ? `${name}: now ${money(item.new_price)} (was ${money(item.old_price)}).` : `${name}: now ${item.new_quantity} in your cart (was ${item.old_quantity}).`;
          return h("li", { dataset: { productId: item.product_id } }, text);
        }),
      ),
    );
  }

  function showShortItems(short) {
    const names = new Map(cart.items.map((item) => [item.product_id, item.name || item.product_id]));
    message.classList.add("error");
    fill(
      message,
      h("p", {}, "Your order was not placed: some items do not have enough stock. Change the quantities and check out again."),
      h(
        "ul",
        { class: "short-items", "data-testid": "short-items" },
        short.map((item) => {
          const name = names.get(item.product_id) || item.product_id;
          const text = item.available > 0 ? `Only ${item.available} left of ${name} (you asked for ${item.requested}).` : `${name} is out of stock.`;
          return h("li", { dataset: { productId: item.product_id } }, text);
        }),
      ),
    );
  }

  await reload();
}

/** "Price changed from 9.99 to 8.49": the price when the line was added, and now. */
function priceChange(item) {
  if (!item.available || !item.price_changed || item.added_price === null) return null;
  return h("p", { class: "price-changed", "data-testid": "price-changed" }, `Price changed from ${item.added_price} to ${item.price}`);
}

function lineWarning(item) {
  if (!item.available) return h("p", { class: "warning", "data-testid": "line-warning" }, "No longer sold — remove it to check out.");
  if (item.inventory_count <= 0) return h("p", { class: "warning", "data-testid": "line-warning" }, "Out of stock");
  if (item.quantity > item.inventory_count) return h("p", { class: "warning", "data-testid": "line-warning" }, `Only ${item.inventory_count} left`);
  return null;
}
