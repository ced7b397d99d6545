// What both activities do around their own screens: find their activity,
// take the session the portal launched them with (or let the learner pick a
// group and start one), fetch words, record answers, draw a word's parts,
// show errors with a way to retry, and ask for a token when the API needs one.
import { get, newIdempotencyKey, post } from "./api.js";
import { partKana } from "./reading.js";
import { $, setText, showScreen } from "./screens.js";
import { showError, showLearner } from "./sign-in.js";

export { $, setText, showError, showScreen };

function idInAddress(params, name) {
  const raw = params.get(name);
  if (raw === null || raw === "") return null;
  if (!/^[1-9][0-9]{0,15}$/.test(raw)) {
    throw new Error(`The address gives ${name} as “${raw}”, which is not a positive whole number.`);
  }
  return Number(raw);
}

async function findActivity(slug) {
  const activity = (await get("/api/study-activities")).find((each) => each.slug === slug);
  if (!activity) throw new Error(`This activity (${slug}) is not offered by the API: migrate its database, then try again.`);
  return activity;
}

async function startSession(activity, groupId) {
  const session = await post("/api/study-sessions", { group_id: groupId, study_activity_id: activity.id });
  // A reload goes on recording into the same session, as when the portal launched it.
  history.replaceState(null, "", `?group_id=${groupId}&session_id=${session.id}`);
  return session;
}

// The session named in the address, a new one for the group named there,
// or null when the page was opened without either.
async function launchedSession(activity) {
  const params = new URLSearchParams(location.search);
  const groupId = idInAddress(params, "group_id");
  const sessionId = idInAddress(params, "session_id");
  if (sessionId === null) return groupId === null ? null : startSession(activity, groupId);
  const { session } = await get(`/api/study-sessions/${sessionId}?per_page=1`);
  if (groupId !== null && session.group_id !== groupId) {
    throw new Error(`Study session ${sessionId} belongs to the group ${session.group_name}, not to group ${groupId}.`);
  }
  if (session.activity_id !== activity.id) {
    throw new Error(`Study session ${sessionId} is a session of ${session.activity_name}, not of ${activity.title}.`);
  }
  return session;
}

function offerGroups(activity, groups, begin) {
  const select = $("group");
  select.replaceChildren(...groups.map((group) => {
    const option = document.createElement("option");
    option.value = String(group.id);
    option.textContent = group.name;
    return option;
  }));
  $("choose-form").onsubmit = async (event) => {
    event.preventDefault();
    const groupId = Number(select.value);
    showScreen("loading");
    try {
      start(await startSession(activity, groupId), begin);
    } catch (error) {
      showError(error, () => offerGroups(activity, groups, begin));
    }
  };
  showScreen("choose");
}

function start(session, begin) {
  setText("where", `${session.group_name} · session ${session.id}`);
  begin(session);
}

async function openActivity(slug, begin) {
  showScreen("loading");
  try {
    const activity = await findActivity(slug);
    const session = await launchedSession(activity);
    if (session) {
      start(session, begin);
    } else {
      const { groups } = await get(`/api/study-activities/${activity.id}/launch`);
      offerGroups(activity, groups, begin);
    }
  } catch (error) {
    showError(error, () => openActivity(slug, begin));
  }
}

// Start the page: `begin(session)` runs the activity once a session is known.
export function launch(slug, begin) {
  showLearner();
  return openActivity(slug, begin);
}

// The group's words due for review (most overdue first), then up to
// `newWords` never reviewed: {words, due_count, next_due_at, new_left_today}.
export function dueWords(groupId, limit, newWords) {
  return get(`/api/groups/${groupId}/words/due?limit=${limit}&new=${newWords}`);
}

export async function groupWords(groupId) {
  return (await get(`/api/groups/${groupId}/words/raw`)).words;
}

// Record one answer: it is sent at once, and `stored()` waits until the API
// has it. A failure is shown with a Try again that sends it again from the
// study screen, under the same key: a post that did arrive is not stored twice.
export function recordAnswer(sessionId, review) {
  const key = newIdempotencyKey();
  const send = () => {
    const sending = post(`/api/study-sessions/${sessionId}/review`, { reviews: [review] }, key);
    sending.catch(() => {}); // shown by stored(), when the page waits for it
    return sending;
  };
  let sending = send();
  return {
    async stored() {
      for (;;) {
        try {
          return await sending;
        } catch (error) {
          await new Promise((retry) => showError(error, retry));
          showScreen("study");
          sending = send();
        }
      }
    },
  };
}

// One part of a word as a `tag` element: its kanji over its reading, kana
// then romaji (or nothing, while the reading is not to be seen), text only.
export function partElement(tag, part, showReading = true) {
  const element = document.createElement(tag);
  element.className = "part";
  const kanji = document.createElement("span");
  kanji.className = "part-kanji";
  kanji.lang = "ja";
  kanji.textContent = part.kanji;
  const reading = document.createElement("span");
  reading.className = "part-reading";
  reading.textContent = showReading ? `${partKana(part)} ${part.romaji.join("")}` : "";
  element.append(kanji, reading);
  return element;
}
