// A short message above every page (e.g. what happened to a guest's cart at sign-in), kept across
// navigation until it is dismissed or replaced.

import { fill, h, hiddenText } from "./dom.js";

function region() {
  return document.getElementById("site-notice");
}

/** Show `text`; `tone` "error" colours it as a problem. */
export function showNotice(text, { tone = "info" } = {}) {
  const notice = region();
  if (!notice) return;
  notice.classList.toggle("error", tone === "error");
  fill(
    notice,
    h("p", { "data-testid": "site-notice-text" }, text),
    h("button", { type: "button", class: "link-button", onclick: dismiss }, "Dismiss", hiddenText(" this message")),
  );
}

export function clearNotice() {
  const notice = region();
  if (notice) fill(notice);
}

function dismiss() {
  clearNotice();
  document.getElementById("main")?.focus();
}
