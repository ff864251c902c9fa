// ShopSmart's web shop: a hash router over the views in js/views/. Plain ES modules, no build step.
//
//   #/                    every product          #/cart          the cart and checkout
//   #/category/<name>     one category           #/orders        order history
//   #/product/<id>        one product            #/orders/<id>   one order
//   #/admin               manage products        #/admin/new     add a product
//   #/admin/product/<id>  edit and restock

import { refreshCartCount } from "./js/cart-count.js";
import { fill, h, heading } from "./js/dom.js";
import { describeMerge, mergeGuestCart, storedGuestToken } from "./js/guest.js";
import { showNotice } from "./js/notice.js";
import { currentSession, isAdmin, onSessionChange, restoreSession } from "./js/session.js";
import { renderAccount } from "./js/views/account.js";
import { renderAdmin, renderEditProduct, renderNewProduct } from "./js/views/admin.js";
import { renderCart } from "./js/views/cart.js";
import { renderCatalogue } from "./js/views/catalogue.js";
import { renderOrder, renderOrders } from "./js/views/orders.js";
import { renderProduct } from "./js/views/product.js";

const ROUTES = [
  { pattern: /^$/, section: "shop", render: (view) => renderCatalogue(view) },
  { pattern: /^category\/([^/]+)$/, section: "shop", render: (view, [category]) => renderCatalogue(view, { category }) },
  { pattern: /^product\/([^/]+)$/, section: "shop", render: (view, [productId]) => renderProduct(view, { productId }) },
  { pattern: /^cart$/, section: "cart", render: (view) => renderCart(view) },
  { pattern: /^orders$/, section: "orders", render: (view) => renderOrders(view) },
  { pattern: /^orders\/([^/]+)$/, section: "orders", render: (view, [orderId]) => renderOrder(view, { orderId }) },
  { pattern: /^admin$/, section: "admin", render: (view) => renderAdmin(view) },
  { pattern: /^admin\/new$/, section: "admin", render: (view) => renderNewProduct(view) },
  { pattern: /^admin\/product\/([^/]+)$/, section: "admin", render: (view, [productId]) => renderEditProduct(view, { productId }) },
];

const main = document.getElementById("main");
let firstRender = true;

function currentRoute() {
  const path = location.hash.replace(/^#\/?/, "");
  for (const route of ROUTES) {
    const match = path.match(route.pattern);
    if (match) return { route, parameters: match.slice(1).map(decodeURIComponent) };
  }
  return null;
}

async function render() {
  // An in-page link such as "Skip to content" (#main) is not a page of the shop.
  if (location.hash && !location.hash.startsWith("#/")) return;
  const view = h("div", { class: "view" });
  main.replaceChildren(view);
  main.setAttribute("aria-busy", "true");
  const found = currentRoute();
  markSection(found?.route.section);
  try {
    if (found) await found.route.render(view, found.parameters);
    else renderNotFound(view);
  } catch (error) {
    fill(view, heading(1, "Something went wrong"), h("p", { class: "error", role: "alert" }, `The page could not be shown: ${error.message}`), h("p", {}, h("a", { href: "#/" }, "Back to the shop")));
    console.error(error);
  }
  if (!main.contains(view)) return;
  main.removeAttribute("aria-busy");
  if (!firstRender) view.querySelector("h1")?.focus();
  firstRender = false;
}

function renderNotFound(view) {
  document.title = "Page not found · ShopSmart";
  fill(view, heading(1, "Page not found"), h("p", {}, "There is no such page in the shop. ", h("a", { href: "#/" }, "Back to the shop")));
}

function markSection(section) {
  for (const link of document.querySelectorAll("[data-section]")) {
    if (link.dataset.section === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function renderHeader() {
  renderAccount(document.getElementById("account"));
  document.getElementById("admin-nav").hidden = !isAdmin();
  refreshCartCount();
}

/** A guest cart still here while signed in (its merge failed, or another tab shopped as a guest). */
async function mergeLeftoverGuestCart() {
  const session = currentSession();
  if (!session || !storedGuestToken()) return;
  const outcome = await mergeGuestCart(session.token);
  const note = describeMerge(outcome);
  if (note) showNotice(note, { tone: outcome.error ? "error" : "info" });
}

/** Right after signing in: the guest's cart moves into the user's before any page shows it. */
async function mergeAtSignIn(accessToken) {
  const outcome = await mergeGuestCart(accessToken);
  const note = describeMerge(outcome);
  if (note) showNotice(note, { tone: outcome.error ? "error" : "info" });
}

const returnTo = await restoreSession({ beforeSignIn: mergeAtSignIn });
if (returnTo && returnTo !== location.hash) history.replaceState(null, "", returnTo);
// A refreshed token changes no page; signing in or out redraws the header and the view.
let signedInAs = currentSession()?.userId ?? null;
onSessionChange((session) => {
  renderHeader();
  if ((session?.userId ?? null) === signedInAs) return;
  signedInAs = session?.userId ?? null;
  render();
});
window.addEventListener("hashchange", render);
await mergeLeftoverGuestCart();
renderHeader();
render();
