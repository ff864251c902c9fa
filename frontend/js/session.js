// Who is signed in. Sign-in is OAuth 2.0 authorization code + PKCE against the shop's OpenID
// provider (Cognito's hosted UI in AWS, the local provider under `make run`), done by oidc-client-ts
// (frontend/vendor/, copied from npm). Where the provider is comes from /config.json, which the
// deployment serves. The library keeps the tokens (its default: this tab's sessionStorage) and
// refreshes them with the refresh token a minute before the access token expires.
//
// The library is loaded only when needed (signing in, coming back from the provider, or a session
// kept in this tab), so a guest's pages load nothing of it.

const CONFIG_PATH = "/config.json";
const ADMIN_GROUP = "admin";
// oidc-client-ts keeps the user under "oidc.user:<authority>:<client_id>".
const STORED_USER_PREFIX = "oidc.user:";

const listeners = new Set();
let current = null;
let managerPromise = null;

export class SignInUnavailable extends Error {}

/** The signed-in user, {token, userId, groups, isAdmin, expiresAt}, or null. */
export function currentSession() {
  if (current && current.expiresAt <= Date.now() / 1000) {
    current = null;
  }
  return current;
}

export function isAdmin() {
  return Boolean(currentSession()?.isAdmin);
}

/** Called with the new session (or null) whenever someone signs in or out. */
export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Before the first render: finish a sign-in the provider sent the browser back from, or pick up
 * the session this tab holds. `beforeSignIn(accessToken)` runs once for a fresh sign-in, before
 * anyone is told of it (the guest cart's merge). Resolves with the page to show (a hash) or null.
 */
export async function restoreSession({ beforeSignIn }) {
  const query = new URLSearchParams(location.search);
  const returning = query.has("state") && (query.has("code") || query.has("error"));
  if (!returning && !hasStoredUser()) return null;
  let manager;
  try {
    manager = await userManager();
  } catch (error) {
    console.error(error);
    return null;
  }
  if (returning) {
    // The code and state are used once: off the address bar, whatever happens next.
    history.replaceState(null, "", location.pathname + location.hash);
    try {
      const user = await manager.signinCallback(location.origin + location.pathname + "?" + query);
      await beforeSignIn(user.access_token);
      setUser(user);
      return user.url_state || null;
    } catch (error) {
      console.error("sign-in did not complete", error);
      return null;
    }
  }
  let user = await manager.getUser();
  if (user?.expired && user.refresh_token) {
    user = await manager.signinSilent().catch(() => null);
  }
  if (user && !user.expired) setUser(user);
  else await manager.removeUser();
  return null;
}

/** Off to the provider's sign-in page; back on this page of the shop afterwards. */
export async function signIn() {
  const manager = await userManager();
  await manager.signinRedirect({ url_state: location.hash || "#/" });
}

/** Sign out here and at the provider (its session ends too), then come back signed out. */
export async function signOut() {
  const manager = await userManager();
  const { logout_endpoint: cognitoLogout, post_logout_redirect_uri: returnTo, client_id: clientId } = manager.shopConfig;
  setUser(null);
  // Cognito's hosted-UI /logout takes the return address as `logout_uri`, beside the client id.
  await manager.signoutRedirect(cognitoLogout ? { extraQueryParams: { logout_uri: returnTo, client_id: clientId } } : {});
}

/** The services refused the token (revoked, keys rotated): forget it here; nothing at the provider. */
export function forgetSession() {
  if (!current) return;
  setUser(null);
  managerPromise?.then((manager) => manager.removeUser()).catch(() => {});
}

function setUser(user) {
  const before = current;
  current = user ? sessionFrom(user) : null;
  if (before?.token !== current?.token) {
    for (const listener of listeners) listener(current);
  }
}

function sessionFrom(user) {
  const claims = decodeClaims(user.access_token);
  const groups = Array.isArray(claims["cognito:groups"]) ? claims["cognito:groups"] : [];
  return {
    token: user.access_token,
    userId: String(user.profile["cognito:username"] || claims.username || user.profile.sub),
    groups,
    isAdmin: groups.includes(ADMIN_GROUP),
    expiresAt: Number(user.expires_at) || 0,
  };
}

function hasStoredUser() {
  for (let index = 0; index < sessionStorage.length; index += 1) {
    if (sessionStorage.key(index)?.startsWith(STORED_USER_PREFIX)) return true;
  }
  return false;
}

function userManager() {
  managerPromise ??= createUserManager().catch((error) => {
    managerPromise = null;
    throw error;
  });
  return managerPromise;
}

async function createUserManager() {
  const response = await fetch(CONFIG_PATH, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new SignInUnavailable("Sign-in is not configured for this shop.");
  const config = await response.json();
  const { UserManager } = await import("../vendor/oidc-client-ts.js");
  const manager = new UserManager({
    authority: config.authority,
    client_id: config.client_id,
    redirect_uri: config.redirect_uri,
    post_logout_redirect_uri: config.post_logout_redirect_uri,
    scope: config.scope,
    response_type: "code",
    // Renewed with the refresh token, a minute (the library's default) before expiry.
    automaticSilentRenew: true,
    // Cognito's discovery document names no end-session endpoint; its hosted UI's /logout is it.
    ...(config.logout_endpoint ? { metadataSeed: { end_session_endpoint: config.logout_endpoint } } : {}),
  });
  manager.shopConfig = config;
  manager.events.addUserLoaded((user) => setUser(user));
  manager.events.addUserUnloaded(() => setUser(null));
  manager.events.addSilentRenewError(() => forgetSession());
  return manager;
}

/** The token's claims, for display only: the services verify the signature, not the page. */
function decodeClaims(token) {
  const payload = token.split(".")[1];
  if (!payload) throw new Error("not a JWT");
  const base64 = payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}
