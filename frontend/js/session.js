// Who is signed in: the access token, kept in this browser's local storage, and what it says.
// Locally the gateway mints tokens (POST /auth/dev-token); the services check every one.

const STORAGE_KEY = "shopsmart.session";
const ADMIN_GROUP = "admin";
// A token this close to expiry is treated as expired, so no request fails halfway.
const EXPIRY_MARGIN_SECONDS = 30;

export const DEMO_SHOPPER = "demo-shopper";
export const DEMO_ADMIN = "demo-admin";

const listeners = new Set();
let current = load();

/** The signed-in user, {token, userId, groups, isAdmin, expiresAt}, or null. */
export function currentSession() {
  if (current && isExpired(current)) {
    signOut();
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

/** Keep a token the gateway issued; what it grants is read from the token itself. */
export function startSession(accessToken) {
  current = sessionFrom(accessToken);
  localStorage.setItem(STORAGE_KEY, accessToken);
  notify();
  return current;
}

export function signOut() {
  const wasSignedIn = current !== null;
  current = null;
  localStorage.removeItem(STORAGE_KEY);
  if (wasSignedIn) notify();
}

function notify() {
  for (const listener of listeners) listener(current);
}

function load() {
  const token = localStorage.getItem(STORAGE_KEY);
  if (!token) return null;
  try {
    const session = sessionFrom(token);
    return isExpired(session) ? null : session;
  } catch {
    localStorage.removeItem(STORAGE_KEY);
    return null;
  }
}

function sessionFrom(token) {
  const claims = decodeClaims(token);
  const groups = Array.isArray(claims["cognito:groups"]) ? claims["cognito:groups"] : [];
  return {
    token,
    userId: String(claims.sub),
    groups,
    isAdmin: groups.includes(ADMIN_GROUP),
    expiresAt: Number(claims.exp) || 0,
  };
}

function isExpired(session) {
  return session.expiresAt - EXPIRY_MARGIN_SECONDS <= Date.now() / 1000;
}

/** The token's claims, for display only: the services verify the signature, not the page. */
function decodeClaims(token) {
  const payload = token.split(".")[1];
  if (!payload) throw new Error("not a JWT");
  const base64 = payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}
