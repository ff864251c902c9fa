// Building the page: elements from plain data (text is always set as text, never as HTML),
// and the shop's ways of writing money, stock and dates.

/**
 * h("button", {type: "button", onclick: fn}, "Label") → an element.
 * Attributes: `class`, `dataset` (an object), `on<event>` (a listener), `hidden`/`disabled`
 * (booleans), anything else as an attribute; children are nodes, strings, or arrays of them.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
}

/** Replace everything inside `element` with `children`. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A status line saying what is loading, announced to screen readers. */
export function loading(text) {
  return h("p", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), text);
}

/** Text only screen readers read, e.g. which product a "Remove" button removes. */
export function hiddenText(text) {
  return h("span", { class: "visually-hidden" }, text);
}

/** "$1,234.50" from the API's exact decimal string ("1234.5"); no float ever touches it. */
export function money(amount) {
  if (amount === null || amount === undefined || amount === "") return "—";
  const [whole, fraction = ""] = String(amount).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `$${grouped}.${(fraction + "00").slice(0, 2)}`;
}

export const LOW_STOCK = 5;

/** "Out of stock", "Only 3 left" or "In stock", with a class to colour it. */
export function stockLabel(inventoryCount) {
  if (inventoryCount === null || inventoryCount === undefined) return { text: "Unavailable", tone: "out" };
  if (inventoryCount <= 0) return { text: "Out of stock", tone: "out" };
  if (inventoryCount <= LOW_STOCK) return { text: `Only ${inventoryCount} left`, tone: "low" };
  return { text: "In stock", tone: "ok" };
}

export function stockBadge(inventoryCount) {
  const { text, tone } = stockLabel(inventoryCount);
  return h("p", { class: `stock stock-${tone}`, "data-testid": "stock" }, text);
}

export function dateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/**
 * A product image, or a grey box saying there is none when the URL is missing or fails.
 * `eager` for pictures in the first screenful: lazy loading would only delay them.
 */
export function productImage(product, { alt = "", width = 320, eager = false } = {}) {
  // Without alt text the picture is decoration, so its placeholder must not join a link's name.
  const placeholder = () => h("div", { class: "image-placeholder", role: alt ? "img" : null, "aria-label": alt || null, "aria-hidden": alt ? null : "true" }, "No image");
  if (!product.image_url) return placeholder();
  // The shop's pictures are 4:3; the size hint keeps the layout still while they load.
  const image = h("img", { src: product.image_url, alt, width, height: Math.round((width * 3) / 4), loading: eager ? "eager" : "lazy", decoding: "async" });
  image.addEventListener("error", () => image.replaceWith(placeholder()), { once: true });
  return image;
}

/** `count` grey cards the size of product cards, shown (hidden from screen readers) while they load. */
export function skeletonCards(count) {
  const card = () =>
    h(
      "li",
      { class: "product-card skeleton-card", "aria-hidden": "true" },
      h("div", { class: "skeleton skeleton-image" }),
      h("span", { class: "skeleton skeleton-line" }),
      h("span", { class: "skeleton skeleton-line short" }),
      h("div", { class: "skeleton skeleton-button" }),
    );
  return Array.from({ length: count }, card);
}

/** Section headings take focus after navigation, so keyboard and screen reader users start there. */
export function heading(level, text, attributes = {}) {
  return h(`h${level}`, { tabindex: "-1", ...attributes }, text);
}
