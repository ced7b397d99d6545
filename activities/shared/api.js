// Talking to the Lang Portal API from the activities' pages: JSON in and out,
// every error turned into a sentence a learner can read, and retries that
// never record a result twice (each POST carries an Idempotency-Key).

const RETRY_DELAYS_MS = [250, 750];

// The API is served by the app that serves these pages, two folders up from
// this module: /api/... is called there, so that an app served under a path
// (https://host/portal/) is called under it too.
const APP_ROOT = new URL("../../", import.meta.url);

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status; // 0 when the server could not be reached
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
