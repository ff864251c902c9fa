// Catalogue administration (admin group only): the product list, creating and editing
// products, and restocking. Edits carry the ETag they were based on (If-Match), so an edit made
// meanwhile by someone else is refused with 412 instead of being overwritten.

import { ApiError, describeError, query, request, segment } from "../api.js";
import { fill, h, heading, loading, money, stockLabel } from "../dom.js";
import { isAdmin } from "../session.js";

export const PAGE_SIZE = 20;
const STALE_MESSAGE = "This product changed since the page loaded (a sale, or another admin's edit); reload to see it as it is now before you edit it.";

// Shown once on the page a create or save leads to.
let pendingFlash = null;

/** Put `parts` in the message area, coloured as a success or an error. */
function tell(message, tone, ...parts) {
  message.classList.toggle("success", tone === "success");
  message.classList.toggle("error", tone === "error");
  fill(message, ...parts);
}

function adminsOnly(view, title) {
  document.title = `${title} · ShopSmart`;
  if (isAdmin()) return false;
  fill(view, heading(1, title), h("p", { class: "notice" }, "Only administrators can manage products. Sign in as the demo admin, or by name with Admin ticked."));
  return true;
}

/** `#/admin`: every product with its stock, a link to edit each, and "Add a product". */
export async function renderAdmin(view) {
  if (adminsOnly(view, "Manage products")) return;
  const rows = h("tbody", {});
  const status = h("div", { class: "list-status" });
  const loadMore = h("button", { type: "button", class: "load-more secondary", hidden: true }, "Load more products");
  fill(
    view,
    heading(1, "Manage products"),
    h("p", {}, h("a", { href: "#/admin/new", class: "button-link" }, "Add a product")),
    h(
      "table",
      { class: "admin-products", "data-testid": "admin-products" },
      h("caption", { class: "visually-hidden" }, "Products"),
      h("thead", {}, h("tr", {}, ["Product", "Category", "Price", "Stock", "Actions"].map((label) => h("th", { scope: "col" }, label)))),
      rows,
    ),
    status,
    loadMore,
  );

  let cursor = null;
  async function loadPage() {
    loadMore.disabled = true;
    fill(status, loading("Loading products…"));
    try {
      const { data: page } = await request("GET", `/products${query({ limit: PAGE_SIZE, cursor })}`);
      rows.append(...page.items.map(productRow));
      cursor = page.next_cursor;
      loadMore.hidden = !cursor;
      fill(status);
    } catch (error) {
      fill(status, h("p", { class: "error", role: "alert" }, `Could not load products: ${describeError(error)}`), h("button", { type: "button", class: "secondary", onclick: loadPage }, "Try again"));
    } finally {
      loadMore.disabled = false;
    }
  }
  loadMore.addEventListener("click", loadPage);
  await loadPage();
}

function productRow(product) {
  return h(
    "tr",
    { "data-testid": "admin-product-row", dataset: { productId: product.product_id } },
    h("th", { scope: "row" }, product.name),
    h("td", {}, product.category),
    h("td", {}, money(product.price)),
    h("td", { "data-testid": "admin-stock" }, `${product.inventory_count} (${stockLabel(product.inventory_count).text.toLowerCase()})`),
    h("td", {}, h("a", { href: `#/admin/product/${segment(product.product_id)}`, "aria-label": `Edit ${product.name}` }, "Edit")),
  );
}

const FIELDS = [
  { name: "name", label: "Name", required: true, maxlength: 200 },
  { name: "description", label: "Description", multiline: true, maxlength: 4000 },
  { name: "price", label: "Price", required: true, inputmode: "decimal", hint: "For example 19.99" },
  { name: "category", label: "Category", required: true, maxlength: 100 },
  { name: "inventory_count", label: "Stock", required: true, type: "number", min: 0, integer: true },
  { name: "image_url", label: "Image URL", hint: "For example /images/products/kitchen-mug.svg", maxlength: 2048 },
];

function fieldControl(field, value, idPrefix) {
  const id = `${idPrefix}-${field.name.replace(/_/g, "-")}`;
  const hintId = field.hint ? `${id}-hint` : null;
  const common = { id, name: field.name, required: field.required || null, maxlength: field.maxlength, "aria-describedby": hintId };
  const control = field.multiline
    ? h("textarea", { ...common, rows: "4" }, value ?? "")
    : h("input", { ...common, type: field.type || "text", inputmode: field.inputmode, min: field.min, value: value ?? "" });
  return h("div", { class: "field" }, h("label", { for: id }, field.label), control, hintId ? h("p", { id: hintId, class: "hint" }, field.hint) : null);
}

/** The form's values as the API wants them. */
function formValues(form) {
  const values = {};
  for (const field of FIELDS) {
    const raw = form.elements[field.name].value.trim();
    if (field.integer) values[field.name] = Number(raw);
    else if (field.name === "image_url") values[field.name] = raw || null;
    else values[field.name] = raw;
  }
  return values;
}

/** Only the values that differ from the product as loaded: a PATCH changes nothing else. */
function changedValues(values, product) {
  const stored = (name) => product[name] ?? (name === "description" ? "" : null);
  return Object.fromEntries(Object.entries(values).filter(([name, value]) => stored(name) !== value));
}

/** Checks the browser can make before asking the service, which checks everything again. */
function formProblems(form) {
  const problems = [];
  for (const field of FIELDS) {
    const raw = form.elements[field.name].value.trim();
    if (field.required && raw === "") problems.push(`${field.label} is required.`);
    if (field.integer && raw !== "" && !/^\d+$/.test(raw)) problems.push(`${field.label} must be a whole number, 0 or more.`);
  }
  const price = form.elements.price.value.trim();
  if (price && !/^\d+(\.\d{1,2})?$/.test(price)) problems.push("Price must be an amount such as 19.99.");
  return problems;
}

/** `#/admin/new`. */
export function renderNewProduct(view) {
  if (adminsOnly(view, "Add a product")) return;
  const message = h("div", { class: "flash", role: "alert", "data-testid": "product-form-message" });
  const productId = h("div", { class: "field" }, h("label", { for: "new-product-id" }, "Product ID"), h("input", { id: "new-product-id", name: "product_id", maxlength: "64", "aria-describedby": "new-product-id-hint" }), h("p", { id: "new-product-id-hint", class: "hint" }, "Optional: letters, digits, '.', '_' or '-'. Left empty, one is made."));
  const save = h("button", { type: "submit" }, "Create product");
  const form = h("form", { class: "product-form", novalidate: true, onsubmit: submit }, productId, FIELDS.map((field) => fieldControl(field, field.name === "inventory_count" ? "0" : "", "new-product")), save);
  fill(view, h("p", { class: "breadcrumbs" }, h("a", { href: "#/admin" }, "Manage products")), heading(1, "Add a product"), message, form);

  async function submit(event) {
    event.preventDefault();
    const problems = formProblems(form);
    if (problems.length) return tell(message, "error", problems.join(" "));
    const body = formValues(form);
    const id = form.elements.product_id.value.trim();
    if (id) body.product_id = id;
    save.disabled = true;
    tell(message, "info", "Creating the product…");
    try {
      const { data: product } = await request("POST", "/products", { json: body });
      pendingFlash = `Created ${product.name}.`;
      location.hash = `#/admin/product/${segment(product.product_id)}`;
    } catch (error) {
      tell(message, "error", `The product was not created: ${describeError(error)}`);
      save.disabled = false;
    }
  }
}

/** `#/admin/product/<id>`: edit the fields, and restock by a number of units. */
export async function renderEditProduct(view, { productId }) {
  if (adminsOnly(view, "Edit product")) return;
  fill(view, loading("Loading product…"));

  let product;
  let etag;
  try {
    const reply = await request("GET", `/products/${segment(productId)}`);
    product = reply.data;
    etag = reply.headers.get("ETag");
  } catch (error) {
    fill(view, heading(1, "Product not available"), h("p", { class: "error", role: "alert" }, describeError(error)), h("p", {}, h("a", { href: "#/admin" }, "Back to the products")));
    return;
  }

  const message = h("div", { class: "flash", role: "alert", "data-testid": "product-form-message" });
  const stockNow = h("strong", { "data-testid": "current-stock" }, String(product.inventory_count));
  const save = h("button", { type: "submit" }, "Save changes");
  const form = h("form", { class: "product-form", novalidate: true, onsubmit: submitEdit }, FIELDS.map((field) => fieldControl(field, product[field.name], "edit-product")), save);
  const units = h("input", { id: "restock-units", name: "units", type: "number", inputmode: "numeric", min: "1", value: "10", required: true });
  const restockButton = h("button", { type: "submit" }, "Restock");
  const restockForm = h(
    "form",
    { class: "restock-form", novalidate: true, "aria-labelledby": "restock-title", onsubmit: submitRestock },
    h("h2", { id: "restock-title" }, "Restock"),
    h("p", {}, "In stock now: ", stockNow),
    h("div", { class: "field" }, h("label", { for: "restock-units" }, "Units to add"), units),
    restockButton,
  );
  document.title = `Edit ${product.name} · ShopSmart`;
  fill(
    view,
    h("p", { class: "breadcrumbs" }, h("a", { href: "#/admin" }, "Manage products"), " › ", h("a", { href: `#/product/${segment(product.product_id)}` }, "View in the shop")),
    heading(1, `Edit ${product.name}`),
    message,
    h("div", { class: "admin-edit" }, form, restockForm),
  );
  if (pendingFlash) {
    tell(message, "success", pendingFlash);
    pendingFlash = null;
  }

  /** PATCH with If-Match; the answer is the product as it now is, with its new ETag. */
  async function update(changes, button, done) {
    tell(message, "info");
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      const reply = await request("PATCH", `/products/${segment(product.product_id)}`, { json: changes, headers: etag ? { "If-Match": etag } : {} });
      product = reply.data;
      etag = reply.headers.get("ETag");
      stockNow.textContent = String(product.inventory_count);
      form.elements.inventory_count.value = String(product.inventory_count);
      tell(message, "success", done(product));
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        tell(message, "error", STALE_MESSAGE, " ", h("button", { type: "button", class: "secondary", onclick: () => renderEditProduct(view, { productId: product.product_id }) }, "Reload"));
      } else {
        tell(message, "error", `Not saved: ${describeError(error)}`);
      }
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  function submitEdit(event) {
    event.preventDefault();
    const problems = formProblems(form);
    if (problems.length) return tell(message, "error", problems.join(" "));
    const changes = changedValues(formValues(form), product);
    if (!Object.keys(changes).length) return tell(message, "info", "Nothing to save: no field was changed.");
    update(changes, save, (saved) => `Saved ${saved.name}.`);
  }

  function submitRestock(event) {
    event.preventDefault();
    const added = Number(units.value);
    if (!Number.isInteger(added) || added < 1) {
      tell(message, "error", "Units to add must be a whole number, 1 or more.");
      units.focus();
      return;
    }
    // Based on the stock this page loaded: If-Match refuses it if that changed meanwhile.
    update({ inventory_count: product.inventory_count + added }, restockButton, (saved) => `Restocked: ${saved.inventory_count} in stock.`);
  }
}
