// Calls to the cart for whoever is shopping: a signed-in user (their bearer token, see api.js) or
// a guest (X-Guest-Token, see guest.js). A guest token the cart service refuses (401: stale or
// altered) is dropped and a new one fetched, once.

import { ApiError, request } from "./api.js";
import { ensureGuestToken, forgetGuestToken, storedGuestToken } from "./guest.js";
import { currentSession } from "./session.js";

const GUEST_HEADER = "X-Guest-Token";
const EMPTY_CART = Object.freeze({ items: [], subtotal: "0.00" });

function asGuest(method, path, options, guestToken) {
  return request(method, path, { ...options, headers: { ...options.headers, [GUEST_HEADER]: guestToken } });
}

function isRefused(error) {
  return error instanceof ApiError && error.status === 401;
}

/** Like api.js `request`, for a path under /cart. */
export async function cartRequest(method, path, options = {}) {
  if (currentSession()) return request(method, path, options);
  const guestToken = await ensureGuestToken();
  try {
    return await asGuest(method, path, options, guestToken);
  } catch (error) {
    if (!isRefused(error)) throw error;
    forgetGuestToken(guestToken);
    return asGuest(method, path, options, await ensureGuestToken());
  }
}

/** The cart, {items, subtotal}; a guest who has added nothing yet has an empty one, unasked. */
export async function getCart() {
  if (currentSession()) return (await request("GET", "/cart")).data;
  const guestToken = storedGuestToken();
  if (!guestToken) return EMPTY_CART;
  try {
    return (await asGuest("GET", "/cart", {}, guestToken)).data;
  } catch (error) {
    if (!isRefused(error)) throw error;
    forgetGuestToken(guestToken); // the next addition gets a new guest cart
    return EMPTY_CART;
  }
}

export const cartApi = {
  post: (path, json) => cartRequest("POST", path, { json }).then((reply) => reply.data),
  put: (path, json) => cartRequest("PUT", path, { json }).then((reply) => reply.data),
  delete: (path) => cartRequest("DELETE", path).then((reply) => reply.data),
};

