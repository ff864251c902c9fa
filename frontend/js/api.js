// Every call to the shop's API: JSON in and out, the signed-in user's token, and errors turned
// into ApiError with the service's own words (RFC 9457 problem+json `detail`).

import { currentSession, forgetSession } from "./session.js";

const REQUEST_TIMEOUT_MS = 35_000;

export class ApiError extends Error {
  /**
   * @param {object} options
   * @param {number} options.status HTTP status, or 0 when no answer came back
   * @param {object} [options.problem] the problem+json body
   * @param {Headers} [options.headers]
   */
  constructor({ status, problem = {}, headers = new Headers() }) {
    super(problem.detail || problem.title || `Request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
    this.headers = headers;
  }

  /** The problem type's last path segment, e.g. "out-of-stock". */
  get kind() {
    return String(this.problem.type || "").split("/").pop();
  }

  /** No answer, or an answer saying to try again: the same request may simply be repeated. */
  get isRetryable() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/**
 * The API's answer as {data, status, headers}; an error status throws ApiError.
 * `json` is sent as the body; `headers` are added (e.g. Idempotency-Key, If-Match).
 * `token` is sent instead of the session's (while signing in); its 401 signs nobody out.
 * `anonymous` sends no token at all: the catalogue is the same for everyone, and an answer to a
 * request carrying a token is never kept by a cache (the CDN, the browser).
 */
export async function request(method, path, { json, headers = {}, token, anonymous = false } = {}) {
  const sent = new Headers({ Accept: "application/json", ...headers });
  const session = token || anonymous ? null : currentSession();
  const bearer = token || session?.token;
  if (bearer) sent.set("Authorization", `Bearer ${bearer}`);
  if (json !== undefined) sent.set("Content-Type", "application/json");

  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: sent,
      // A catalogue read revalidates this browser's copy every time (a bodiless 304 when nothing
      // changed), so the page shows what the shop or its CDN serves now, not what the browser kept.
      cache: anonymous ? "no-cache" : "default",
      body: json === undefined ? undefined : JSON.stringify(json),
      signal: timeout,
    });
  } catch {
    const detail = timeout.aborted
      ? "The shop did not answer in time. Please try again."
      : "The shop cannot be reached. Check your connection and try again.";
    throw new ApiError({ status: 0, problem: { title: "No answer", detail } });
  }

  const data = await readBody(response);
  if (response.ok) return { data, status: response.status, headers: response.headers };

  const problem = data && typeof data === "object" ? data : { title: response.statusText, detail: fallbackDetail(response.status) };
  if (response.status === 401 && session) {
    // The token expired or the keys changed: forget it so the page offers to sign in again.
    forgetSession();
    problem.detail = "Your sign-in has expired. Please sign in again.";
  }
  throw new ApiError({ status: response.status, problem, headers: response.headers });
}

export const api = {
  get: (path, options) => request("GET", path, options).then((reply) => reply.data),
  post: (path, json, options) => request("POST", path, { ...options, json }).then((reply) => reply.data),
  put: (path, json, options) => request("PUT", path, { ...options, json }).then((reply) => reply.data),
  patch: (path, json, options) => request("PATCH", path, { ...options, json }).then((reply) => reply.data),
  delete: (path, options) => request("DELETE", path, options).then((reply) => reply.data),
};

/** A query string from an object, leaving out empty values: query({limit: 20, cursor: null}). */
export function query(parameters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A path segment from an id, so "a/b" cannot become two segments. */
export function segment(id) {
  return encodeURIComponent(id);
}

/**
 * What went wrong, in words a shopper can act on: the service's `detail`, then each field's
 * messages for a validation problem ("price: Must be greater than 0.").
 */
export function describeError(error) {
  if (!(error instanceof ApiError)) return `Something went wrong in the page: ${error?.message || error}`;
  const fieldMessages = flattenErrors(error.problem.errors);
  const retry = error.isRetryable && error.status !== 0 ? " Please try again in a moment." : "";
  return [error.message + retry, ...fieldMessages].join(" ");
}

function flattenErrors(errors, path = []) {
  if (!errors || typeof errors !== "object") return [];
  if (Array.isArray(errors)) {
    const strings = errors.filter((message) => typeof message === "string");
    const name = path.filter((part) => !["json", "query", "headers", "_schema"].includes(part)).join(".");
    return strings.length ? [`${name ? `${name}: ` : ""}${strings.join(" ")}`] : [];
  }
  return Object.entries(errors).flatMap(([key, value]) => flattenErrors(value, [...path, key]));
}

async function readBody(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      return { title: "Unreadable answer", detail: "The shop sent an answer the page cannot read." };
    }
  }
  return null;
}

function fallbackDetail(status) {
  if (status === 404) return "This was not found.";
  if (status >= 500) return "The shop had a problem answering.";
  return `The request failed (${status}).`;
}
