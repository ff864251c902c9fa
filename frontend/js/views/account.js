// The header's account area: one-click demo sign-in, sign-in by name, and signing out. Signing in
// brings along what was added to the cart as a guest.

import { ApiError, api, describeError } from "../api.js";
import { h, fill } from "../dom.js";
import { describeMerge, mergeGuestCart } from "../guest.js";
import { clearNotice, showNotice } from "../notice.js";
import { DEMO_ADMIN, DEMO_SHOPPER, currentSession, signOut, startSession } from "../session.js";

const SIGN_IN_PATH = "/auth/dev-token";
const USER_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Draw the account area into `container` for whoever is signed in now. */
export function renderAccount(container) {
  const session = currentSession();
  if (session) {
    fill(
      container,
      h(
        "p",
        { class: "signed-in" },
        "Signed in as ",
        h("strong", { "data-testid": "signed-in-user" }, session.userId),
        session.isAdmin ? h("span", { class: "role-badge" }, "admin") : null,
      ),
      h("button", { type: "button", class: "secondary", onclick: () => signOut() }, "Sign out"),
    );
    return;
  }

  const status = h("p", { class: "form-error", role: "alert", "data-testid": "sign-in-error" });
  const userField = h("input", {
    id: "sign-in-user",
    name: "user_id",
    autocomplete: "username",
    maxlength: "64",
    spellcheck: "false",
    "aria-describedby": "sign-in-user-hint",
  });
  const adminBox = h("input", { id: "sign-in-admin", type: "checkbox", name: "admin" });

  async function signIn(userId, groups, button) {
    status.textContent = "";
    const buttons = container.querySelectorAll("button");
    buttons.forEach((each) => (each.disabled = true));
    button.setAttribute("aria-busy", "true");
    try {
      const { access_token: token } = await api.post(SIGN_IN_PATH, { user_id: userId, groups });
      // Before the session starts, so the pages it redraws show the merged cart.
      const merged = await mergeGuestCart(token);
      clearNotice();
      startSession(token);
      const note = describeMerge(merged);
      if (note) showNotice(note, { tone: merged.error ? "error" : "info" });
    } catch (error) {
      status.textContent =
        error instanceof ApiError && error.status === 404
          ? "Quick sign-in is only available when the shop runs locally."
          : `Could not sign in: ${describeError(error)}`;
      buttons.forEach((each) => (each.disabled = false));
      button.removeAttribute("aria-busy");
    }
  }

  const demoShopper = h("button", { type: "button", onclick: (event) => signIn(DEMO_SHOPPER, [], event.currentTarget) }, "Sign in as demo shopper");
  const demoAdmin = h("button", { type: "button", class: "secondary", onclick: (event) => signIn(DEMO_ADMIN, ["admin"], event.currentTarget) }, "Sign in as demo admin");

  const namedForm = h(
    "form",
    {
      class: "named-sign-in",
      "aria-label": "Sign in by name",
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        const userId = userField.value.trim();
        if (!USER_ID_PATTERN.test(userId)) {
          status.textContent = "Enter a user name of 1 to 64 letters, digits, '.', '_' or '-'.";
          userField.focus();
          return;
        }
        signIn(userId, adminBox.checked ? ["admin"] : [], event.submitter || namedForm.querySelector("button"));
      },
    },
    h("label", { for: "sign-in-user" }, "User name"),
    userField,
    h("span", { id: "sign-in-user-hint", class: "visually-hidden" }, "Letters, digits, dot, underscore or dash."),
    h("label", { class: "checkbox", for: "sign-in-admin" }, adminBox, " Admin"),
    h("button", { type: "submit", class: "secondary" }, "Sign in"),
  );

  fill(container, h("div", { class: "demo-sign-in" }, demoShopper, demoAdmin), namedForm, status);
}
