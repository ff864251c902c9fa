// The header's account area: sign in at the shop's OpenID provider (its page offers the demo
// shopper and demo admin locally), and sign out, which ends the provider's session too.

import { h, fill } from "../dom.js";
import { SignInUnavailable, currentSession, signIn, signOut } from "../session.js";

/** Draw the account area into `container` for whoever is signed in now. */
export function renderAccount(container) {
  const status = h("p", { class: "form-error", role: "alert", "data-testid": "sign-in-error" });

  async function leaveFor(action, button, failure) {
    status.textContent = "";
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      await action();
    } catch (error) {
      status.textContent = error instanceof SignInUnavailable ? error.message : `${failure}: ${error.message}`;
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

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
      h("button", { type: "button", class: "secondary", onclick: (event) => leaveFor(signOut, event.currentTarget, "Could not sign out") }, "Sign out"),
      status,
    );
    return;
  }
  fill(
    container,
    h("button", { type: "button", "data-testid": "sign-in", onclick: (event) => leaveFor(signIn, event.currentTarget, "Could not sign in") }, "Sign in"),
    status,
  );
}
