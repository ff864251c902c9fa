// Shopping before signing in. The cart service issues a guest token (POST /cart/guest): an opaque,
// signed id this browser keeps and sends as X-Guest-Token on cart calls. After sign-in the guest's
// lines are moved into the user's cart (POST /cart/merge) once, and the token is forgotten.

import { ApiError, request } from "./api.js";

const STORAGE_KEY = "shopsmart.guest-token";

let issuing = null; // the POST /cart/guest in flight, shared by every caller
let merging = null; // {guestToken, promise} of the merge in flight

/** The guest token this browser holds, or null. */
export function storedGuestToken() {
  return localStorage.getItem(STORAGE_KEY);
}

/** Forget `token` (a stale or merged one), unless another has replaced it meanwhile. */
export function forgetGuestToken(token) {
  if (storedGuestToken() === token) localStorage.removeItem(STORAGE_KEY);
}

/** The guest token, asked of the cart service the first time it is needed. */
export function ensureGuestToken() {
  const stored = storedGuestToken();
  if (stored) return Promise.resolve(stored);
  issuing ??= request("POST", "/cart/guest")
    .then(({ data }) => {
      // Another tab may have got one meanwhile: one cart per browser, so theirs wins.
      const token = storedGuestToken() || data.guest_token;
      localStorage.setItem(STORAGE_KEY, token);
      return token;
    })
    .finally(() => {
      issuing = null;
    });
  return issuing;
}

/**
 * Move the guest's cart into the cart of the user signed in with `accessToken`, if this browser
 * has a guest cart. Resolves with {notMoved: [{product_id, quantity}]} or {error}; never rejects.
 * A second call while one is under way gets the same answer instead of sending it again.
 */
export function mergeGuestCart(accessToken) {
  const guestToken = storedGuestToken();
  if (!guestToken) return Promise.resolve({ notMoved: [] });
  if (merging?.guestToken === guestToken) return merging.promise;
  const promise = request("POST", "/cart/merge", { json: { guest_token: guestToken }, token: accessToken })
    .then(({ data }) => {
      forgetGuestToken(guestToken);
      return { notMoved: data.not_moved };
    })
    .catch((error) => {
      // Kept only when retrying may help: the next visit tries again. A refused token has no cart.
      const retryable = error instanceof ApiError && (error.isRetryable || error.status === 409);
      if (!retryable) forgetGuestToken(guestToken);
      return { error, retryable };
    })
    .finally(() => {
      if (merging?.promise === promise) merging = null;
    });
  merging = { guestToken, promise };
  return promise;
}

/** What a shopper should be told about a merge's outcome, or null when all went well. */
export function describeMerge(outcome) {
  if (outcome.error) {
    return outcome.retryable
      ? "The items you added before signing in could not be moved to your cart yet; the shop tries again next time you open it."
      : null;
  }
  const count = outcome.notMoved.length;
  if (!count) return null;
  const what = count === 1 ? "1 product" : `${count} products`;
  return `${what} you added before signing in did not fit in your cart (it holds at most 50 different products), so ${count === 1 ? "it was" : "they were"} not added.`;
}
