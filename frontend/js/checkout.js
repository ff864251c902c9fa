// Checkout without double orders. Each checkout attempt has its own Idempotency-Key: a double
// click, a retry after a lost answer, or a reload in between all send the same key, so the orders
// service makes one order. A new key is made only when the cart changed or the last attempt ended.

import { ApiError, api } from "./api.js";

const STORAGE_KEY = "shopsmart.checkout-attempt";

/** A fresh key: randomUUID where the browser offers it (secure contexts), else 122 random bits. */
export function newIdempotencyKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** What is being bought, e.g. "kitchen-mug×2,books-atlas×1"; the same cart gives the same text. */
export function cartFingerprint(userId, items) {
  const lines = items.map((item) => `${item.product_id}×${item.quantity}`).sort();
  return `${userId}|${lines.join(",")}`;
}

/** The key of the unfinished attempt for this very cart, or a new attempt's key. */
function attemptKey(fingerprint) {
  const saved = readAttempt();
  if (saved && saved.fingerprint === fingerprint) return saved.key;
  const key = newIdempotencyKey();
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ fingerprint, key }));
  return key;
}

function readAttempt() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
  } catch {
    return null;
  }
}

function endAttempt() {
  sessionStorage.removeItem(STORAGE_KEY);
}

/**
 * Place the order for the cart described by `fingerprint`, confirming `cartVersion` (the cart
 * view's `version`: the lines and prices the shopper was shown).
 * Resolves with the order; rejects with ApiError. The attempt (and its key) is kept only when
 * the outcome is unknown or may change by retrying: no answer, a 5xx, or "still in progress".
 */
export async function placeOrder(fingerprint, cartVersion) {
  const key = attemptKey(fingerprint);
  try {
    const order = await api.post("/orders", { cart_version: cartVersion }, { headers: { "Idempotency-Key": key } });
    endAttempt();
    return order;
  } catch (error) {
    const unfinished = error instanceof ApiError && (error.isRetryable || error.kind === "checkout-in-progress");
    if (!unfinished) endAttempt();
    throw error;
  }
}

/** The 409 answer to a cart that changed since it was shown: [{product_id, old_price, new_price, …}]. */
export function changedItems(error) {
  if (!(error instanceof ApiError) || error.kind !== "cart-changed") return [];
  return Array.isArray(error.problem.changed_items) ? error.problem.changed_items : [];
}

/** The 409 answer to a cart with too little stock: [{product_id, requested, available}]. */
export function shortItems(error) {
  if (!(error instanceof ApiError) || error.status !== 409) return [];
  return Array.isArray(error.problem.short_items) ? error.problem.short_items : [];
}
