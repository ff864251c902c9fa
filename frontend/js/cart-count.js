// The number of items in the cart, shown beside the Cart link in the header.

import { getCart } from "./cart-api.js";
import { fill, hiddenText } from "./dom.js";

/** Show the count from cart lines already fetched: [{quantity}, …]. */
export function showCartCount(items) {
  const count = items.reduce((sum, item) => sum + item.quantity, 0);
  const badge = document.getElementById("cart-count");
  if (!badge) return;
  badge.dataset.count = String(count);
  fill(badge, String(count), hiddenText(count === 1 ? " item" : " items"));
  badge.hidden = count === 0;
}

/** Fetch the cart and show its count; a failure leaves the count as it was. */
export async function refreshCartCount() {
  try {
    const cart = await getCart();
    showCartCount(cart.items);
  } catch {
    // The cart page itself says what went wrong; the badge is only a hint.
  }
}
