// Talking to the Lang Portal API from the activities' pages: JSON in and out,
// every error turned into a sentence a learner can read, retries that never
// record a result twice (each POST carries an Idempotency-Key), and the
// learner's token on every call once they have signed in.

const RETRY_DELAYS_MS = [250, 750];

// The API is served by the app that serves these pages, two folders up from
// this module: /api/... is called there, so that an app served under a path
// (https://host/portal/) is called under it too.
const APP_ROOT = new URL("../../", import.meta.url);

// Kept in this origin's localStorage until the learner signs out, so that
// every page of the portal and a reload find it. It goes in the Authorization
// header only: never in a URL, the page's text or the console.
const TOKEN_KEY = "lang-portal.token";

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status; // 0 when the server could not be reached
  }
}

// The API answered 401: the learner is to sign in, again if `tokenRefused`
// (the call carried a token, and the API does not know it or revoked it).
export class SignInNeeded extends ApiError {
  constructor(message, tokenRefused) {
    super(message, 401);
    this.tokenRefused = tokenRefused;
  }
}

export function keptToken() {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage refused by the browser: the page works as it would signed out
  }
}

export function keepToken(token) {
  localStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing was kept
  }
}

export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function sentence(status, data) {
  const said = data && typeof data.error === "string" ? data.error : "";
  if (status >= 500) {
    return `The server could not answer (error ${status}). ${said || "Try again in a moment."}`;
  }
  return said || `The server refused the request (error ${status}).`;
}

async function once(method, path, body, key) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  const token = keptToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(new URL(path.replace(/^\//, ""), APP_ROOT), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError("The Lang Portal API cannot be reached. Check that it is running, then try again.", 0);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.status === 401) throw new SignInNeeded(sentence(response.status, data), Boolean(token));
  if (!response.ok) throw new ApiError(sentence(response.status, data), response.status);
  return data;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A failure the next try may not meet: the server down, busy or broken.
const worthRetrying = (error) => error instanceof ApiError && (error.status === 0 || error.status >= 500);

async function withRetries(method, path, body, key) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await once(method, path, body, key);
    } catch (error) {
      if (attempt >= RETRY_DELAYS_MS.length || !worthRetrying(error)) throw error;
      await sleep(RETRY_DELAYS_MS[attempt]);
    }
  }
}

export function get(path) {
  return withRetries("GET", path);
}

// Keep `key` to try the same POST again later: the API stores it only once.
export function post(path, body, key = newIdempotencyKey()) {
  return withRetries("POST", path, body, key);
}
