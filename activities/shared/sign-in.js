// Signing in: when the API asks who the learner is (401), the page shows a
// form to paste their token, keeps it (api.js sends it on every call) and
// goes on with what it was doing. The header then says who is signed in and
// offers to sign out. Any other error is shown with a Try again.
import { SignInNeeded, forgetToken, get, keepToken, keptToken } from "./api.js";
import { $, setText, showScreen } from "./screens.js";

// What an Authorization: Bearer header can carry (RFC 6750's b64token): a
// paste with a space or a line break in it is not sent as it stands.
const TOKEN_SYNTAX = /^[A-Za-z0-9\-._~+/]+=*$/;
const PROBLEMS = {
  none: "",
  empty: "Paste your token in the box, then sign in.",
  malformed: "That is not a whole token: paste it as you were given it, in one piece (it starts with lp_).",
  refused: "That token was not accepted: it is mistyped, or it was revoked. Paste it again, or ask for a new one.",
  unkept: "This browser does not let the page keep your token: allow this site to store data, then sign in again.",
};

const state = {
  problem: "none", // why the form is shown again: a key of PROBLEMS
  resume: null, // what the page was doing when the API asked for a token
  learner: null, // {name} while a token is kept and the API knows it ("" until it says the name)
};

function renderForm() {
  const sentence = PROBLEMS[state.problem];
  setText("sign-in-problem", sentence);
  $("sign-in-problem").hidden = sentence === "";
  $("token").setAttribute("aria-invalid", String(sentence !== ""));
  $("token").value = "";
}

function renderLearner() {
  $("account").hidden = state.learner === null;
  setText("learner-name", state.learner?.name ? `Signed in as ${state.learner.name}` : "");
}

function submit(event) {
  event.preventDefault();
  const token = $("token").value.trim();
  if (!TOKEN_SYNTAX.test(token)) {
    state.problem = token === "" ? "empty" : "malformed";
  } else {
    try {
      keepToken(token);
      state.problem = "none";
    } catch {
      state.problem = "unkept";
    }
  }
  renderForm();
  if (state.problem !== "none") {
    $("token").focus();
    return;
  }
  showScreen("loading");
  showLearner();
  state.resume();
}

// The API asked for a token (`error`, a SignInNeeded): the form, then
// `resume()` once the learner has given one.
export function askToSignIn(error, resume) {
  if (error.tokenRefused) forgetToken(); // sent again, it would only count against this address
  state.problem = error.tokenRefused ? "refused" : "none";
  state.resume = resume;
  state.learner = null;
  renderLearner();
  renderForm();
  $("sign-in-form").onsubmit = submit;
  showScreen("sign-in");
}

function signOut() {
  forgetToken();
  // The activity from its first screen: nothing of this learner's stays on
  // the page, and nothing the page was doing for them goes on.
  location.replace("./");
}

// Who is signed in, in the header, while a token is kept. An API that does
// not answer /api/me (404), or not now, leaves the name out, not Sign out.
export async function showLearner() {
  if (!keptToken()) return;
  let name = "";
  try {
    const me = await get("/api/me");
    if (typeof me?.name === "string") name = me.name;
  } catch (error) {
    if (error instanceof SignInNeeded) return; // the page's own call asks for a token
  }
  state.learner = { name };
  renderLearner();
  $("sign-out").onclick = signOut;
}

// An error and a Try again; or, when the API asks who the learner is, the
// sign-in form, after which `retry` runs as Try again would run it.
export function showError(error, retry) {
  if (error instanceof SignInNeeded) {
    askToSignIn(error, retry);
    return;
  }
  $("error-message").textContent = error.message || String(error);
  $("retry").onclick = () => retry();
  showScreen("error");
}
