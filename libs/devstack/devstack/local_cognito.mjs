// The local OpenID provider playing Cognito for `make run` and the browser tier: npm's certified
// `oidc-provider`, issuing tokens shaped as Cognito's user pool issues them.
//
//   node local_cognito.mjs <settings.json>
//
// settings: {issuer, port, signing_jwk (private, with kid), web_client_id, redirect_uris,
//            post_logout_redirect_uris, service_client_id, service_client_secret,
//            access_token_ttl_seconds, demo_users: [{username, groups, label}]}
//
// Tokens: the ID token has aud = the web client, token_use = "id", cognito:groups and
// cognito:username; access tokens (JWT) have client_id, scope, token_use = "access" and, for a
// user, username and cognito:groups. The services' client gets its token by client credentials
// with the scope shopsmart/internal. Any user name may sign in on the login page (this is a
// local stand-in: there are no passwords); the demo shopper and demo admin are one click away.

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

import Provider from "oidc-provider";

const INTERNAL_SCOPE = "shopsmart/internal";
const USER_SCOPES = "openid email profile";
// Cognito's access tokens carry no audience; oidc-provider's JWT access tokens need one, so they
// name this resource (the services ignore `aud` on access tokens and read `client_id`).
const RESOURCE = "urn:shopsmart:api";
const ID_RULE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const settings = JSON.parse(readFileSync(process.argv[2], "utf8"));
const users = new Map(); // username → {groups}; filled at sign-in
for (const demo of settings.demo_users) users.set(demo.username, { groups: demo.groups });

function account(username) {
  const user = users.get(username);
  if (!user) return undefined;
  return {
    accountId: username,
    async claims() {
      return {
        sub: username,
        token_use: "id",
        "cognito:username": username,
        "cognito:groups": user.groups,
        email: `${username}@shopsmart.local`,
        email_verified: true,
      };
    },
  };
}

const provider = new Provider(settings.issuer, {
  clients: [
    {
      client_id: settings.web_client_id,
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      redirect_uris: settings.redirect_uris,
      post_logout_redirect_uris: settings.post_logout_redirect_uris,
      scope: USER_SCOPES,
    },
    {
      client_id: settings.service_client_id,
      client_secret: settings.service_client_secret,
      grant_types: ["client_credentials"],
      response_types: [],
      redirect_uris: [],
      scope: INTERNAL_SCOPE,
    },
  ],
  jwks: { keys: [settings.signing_jwk] },
  cookies: { keys: [randomBytes(32).toString("base64url")] },
  pkce: { required: () => true },
  // The page calls the token endpoint from the shop's origin: allowed for the shop's own client only.
  clientBasedCORS: (ctx, origin, client) =>
    client.redirectUris.some((uri) => new URL(uri).origin === origin),
  findAccount: (ctx, id) => account(id),
  claims: {
    openid: ["sub", "token_use", "cognito:username", "cognito:groups"],
    email: ["email", "email_verified"],
    profile: [],
  },
  // The ID token carries the user's claims, as Cognito's does.
  conformIdTokenClaims: false,
  scopes: ["openid", "offline_access", "email", "profile", INTERNAL_SCOPE],
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed("refresh_token"),
  ttl: {
    AccessToken: settings.access_token_ttl_seconds,
    ClientCredentials: settings.access_token_ttl_seconds,
    IdToken: settings.access_token_ttl_seconds,
    RefreshToken: 30 * 24 * 3600,
    Grant: 30 * 24 * 3600,
    Session: 24 * 3600,
    Interaction: 3600,
    AuthorizationCode: 60,
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // Signing out of the shop ends the provider's session at once, without a confirmation page.
      logoutSource: async (ctx, form) => {
        ctx.type = "html";
        ctx.body = page(
          "Signing out",
          `${form}<p>Signing out…</p><script nonce="${ctx.state.nonce ?? ""}">` +
            `document.forms[0].insertAdjacentHTML("beforeend",'<input type="hidden" name="logout" value="yes">');` +
            `document.forms[0].submit();</script>`,
        );
      },
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource, client) => ({
        scope: client.clientId === settings.service_client_id ? INTERNAL_SCOPE : USER_SCOPES,
        accessTokenFormat: "jwt",
        accessTokenTTL: settings.access_token_ttl_seconds,
        jwt: { sign: { alg: "RS256" } },
      }),
    },
  },
  formats: {
    customizers: {
      jwt: async (ctx, token, jwt) => {
        jwt.payload.token_use = "access";
        if (token.accountId) {
          jwt.payload.username = token.accountId;
          jwt.payload["cognito:groups"] = users.get(token.accountId)?.groups ?? [];
        }
      },
    },
  },
  // First-party clients: a signed-in user is never asked to consent.
  loadExistingGrant: async (ctx) => {
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const existing = await ctx.oidc.provider.Grant.find(grantId);
      if (existing) return existing;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(`${USER_SCOPES} offline_access`);
    grant.addResourceScope(RESOURCE, USER_SCOPES);
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = "html";
    ctx.body = page("Sign-in error", `<h1>Sign-in error</h1><p>${escape(out.error_description ?? out.error)}</p>`);
  },
});
// Served over plain HTTP on 127.0.0.1: no proxy in front, nothing to trust.
provider.proxy = false;
// Why a request was refused, in the log (never the tokens themselves).
for (const event of ["end_session.error", "grant.error", "authorization.error", "server_error"]) {
  provider.on(event, (ctx, error) => console.error(`${event}: ${error.message}`, error.cause?.message ?? ""));
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="Sign in to ShopSmart (local sign-in provider).">
<link rel="icon" href="data:,">
<title>${escape(title)} · ShopSmart</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;padding:1rem;background:#f6f6f4;color:#1a1a1a;line-height:1.5}
main{max-width:26rem;margin:2rem auto;background:#fff;padding:1.5rem;border-radius:.5rem;border:1px solid #d0d0cc}
h1{font-size:1.5rem;margin-top:0}label{display:block;margin-top:1rem;font-weight:600}
input[type=text]{box-sizing:border-box;width:100%;min-height:44px;font-size:1rem;padding:.5rem;border:1px solid #595959;border-radius:.25rem}
.check{display:flex;align-items:center;gap:.5rem;font-weight:400;min-height:44px}
.check input{width:24px;height:24px}
button{min-height:44px;min-width:44px;font-size:1rem;padding:.5rem 1rem;margin-top:1rem;border-radius:.25rem;border:1px solid #1d4f91;background:#1d4f91;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1d4f91}
button:focus-visible,input:focus-visible{outline:3px solid #111;outline-offset:2px}
.demo{display:flex;flex-wrap:wrap;gap:.5rem}p.note{color:#4a4a4a;font-size:.9rem}
</style></head><body><main>${body}</main></body></html>`;
}

function loginPage(uid) {
  const demos = settings.demo_users
    .map(
      (demo) =>
        `<form method="post" action="/interaction/${uid}/login">` +
        `<input type="hidden" name="username" value="${escape(demo.username)}">` +
        `<button type="submit" class="secondary">Sign in as ${escape(demo.label)}</button></form>`,
    )
    .join("");
  return page(
    "Sign in",
    `<h1>Sign in to ShopSmart</h1>
<div class="demo">${demos}</div>
<form method="post" action="/interaction/${uid}/login">
<label for="username">User name</label>
<input id="username" name="username" type="text" autocomplete="username" required pattern="[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}">
<label class="check"><input type="checkbox" name="admin" value="yes"> Admin</label>
<button type="submit">Sign in</button>
</form>
<p class="note">The local stand-in for Cognito's sign-in page: any user name signs in, no password.</p>`,
  );
}

async function readForm(req) {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) throw new Error("form too large");
  }
  return new URLSearchParams(body);
}

const callback = provider.callback();
const server = createServer(async (req, res) => {
  const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(req.url.split("?")[0]);
  if (!match) return callback(req, res);
  res.setHeader("Cache-Control", "no-store");
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === "GET" && !match[2]) {
      res.setHeader("Content-Type", "text/html; charset=utf-8");
      return res.end(loginPage(details.uid));
    }
    if (req.method === "POST" && match[2]) {
      const form = await readForm(req);
      const username = form.get("username") ?? "";
      if (!ID_RULE.test(username)) {
        res.statusCode = 400;
        res.setHeader("Content-Type", "text/html; charset=utf-8");
        return res.end(loginPage(details.uid));
      }
      if (!users.has(username) || form.get("admin") === "yes") {
        const admin = form.get("admin") === "yes" || users.get(username)?.groups.includes("admin");
        users.set(username, { groups: admin ? ["admin"] : [] });
      }
      return provider.interactionFinished(req, res, { login: { accountId: username } }, {
        mergeWithLastSubmission: false,
      });
    }
    res.statusCode = 405;
    return res.end();
  } catch (error) {
    res.statusCode = 400;
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    return res.end(page("Sign-in error", `<h1>Sign-in error</h1><p>${escape(error.message)}</p>`));
  }
});
server.listen(settings.port, "127.0.0.1", () => {
  console.log(`local Cognito stand-in at ${settings.issuer}`);
});
