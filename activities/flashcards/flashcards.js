// Flashcards: the group's words due for review, then new ones. The kanji
// first; Space reveals the reading, meaning and parts; the learner grades
// the card Again / Hard / Good / Easy, and the API schedules it. A card graded
// Again comes back in the same round once it is due again, as in Anki.
import { get } from "../shared/api.js";
import { $, dueWords, launch, partElement, recordAnswer, setText, showError, showScreen } from "../shared/page.js";
import { kanaOf } from "../shared/reading.js";

const ROUND_LIMIT = 20;
const NEW_PER_ROUND = 10;
const RATINGS = ["again", "hard", "good", "easy"];
export const DATE_AND_TIME = { dateStyle: "medium", timeStyle: "short" };

const state = {
  session: null,
  queue: [], // cards not yet shown this round
  again: [], // {card, dueAt}: graded Again, back once due (ms since the epoch)
  card: null, // the word on screen
  revealed: false,
  busy: false,
  tally: { again: 0, hard: 0, good: 0, easy: 0 },
  timer: null,
};

// "1 min", "10 min", "3 h", "4 d", "1.5 mo": how long until a card comes back.
export function shortDuration(ms) {
  // A wait measured in the page falls short of the API's by the part of a
  // second its times leave out and by the time its answer took: to 5 s.
  const seconds = Math.max(0, Math.round(ms / 5000) * 5);
  const units = [[365 * 86400, "y"], [30 * 86400, "mo"], [86400, "d"], [3600, "h"], [60, "min"]];
  for (const [size, name] of units) {
    if (seconds >= size) {
      const count = seconds / size;
      // months and years to a tenth below ten of them, as Anki shows them
      const shown = (name === "mo" || name === "y") && count < 10 ? Math.round(count * 10) / 10 : Math.round(count);
      return `${shown} ${name}`;
    }
  }
  return ms > 0 ? "< 1 min" : "now";
}

const fromNow = (moment) => shortDuration(moment - Date.now());

// The API's words as cards: `next_due` says when each grade would bring the
// word back if given when the queue was read; kept as waits from then
// (`backIn`), the labels hold however long the learner takes to reach a card.
function asCards(words) {
  const now = Date.now();
  return words.map((word) => ({
    ...word,
    backIn: word.next_due
      ? Object.fromEntries(RATINGS.map((rating) => [rating, Date.parse(word.next_due[rating]) - now]))
      : null,
  }));
}

function render() {
  const word = state.card;
  const waiting = state.again.length ? ` · ${state.again.length} to see again` : "";
  setText("progress", `${state.queue.length + 1} left${waiting}`);
  setText("kanji", word.kanji);
  $("back").hidden = !state.revealed;
  $("front-actions").hidden = state.revealed;
  $("grades").hidden = !state.revealed;
  // Filled while hidden, never while shown: its live region speaks once, as it is revealed.
  if (!state.revealed) {
    setText("kana", kanaOf(word));
    setText("romaji", word.romaji);
    setText("english", word.english);
    $("parts").replaceChildren(...word.parts.map((part) => partElement("li", part)));
  }
  for (const button of $("grades").querySelectorAll("button")) {
    const when = word.backIn ? shortDuration(word.backIn[button.dataset.rating]) : "";
    button.querySelector(".when").textContent = when;
    button.setAttribute("aria-label", `${button.dataset.rating}${when ? `, back in ${when}` : ""}`);
    button.disabled = state.busy;
  }
}

function show(card) {
  state.card = card;
  state.revealed = false;
  render();
  showScreen("study");
  $("show").focus();
}

function reveal() {
  if (!state.card || state.revealed) return;
  state.revealed = true;
  render();
  // The back is said by its live region; Space or Enter then grades Good, as in Anki.
  $("grades").querySelector('[data-rating="good"]').focus();
}

// A card back from Again: its labels as the API sees the card now.
async function refreshed(card) {
  try {
    const { words } = await dueWords(state.session.group_id, 100, 0);
    return asCards(words).find((word) => word.id === card.id) || card;
  } catch {
    return card;
  }
}

// When a card graded Again is due: its new due time, as the API stored it.
async function dueAgain(card) {
  try {
    return Date.parse((await get(`/api/words/${card.id}`)).word.schedule.due);
  } catch {
    return Date.now() + card.backIn.again; // the wait its label promised
  }
}

async function nextCard() {
  clearTimeout(state.timer);
  const now = Date.now();
  state.again.sort((a, b) => a.dueAt - b.dueAt);
  if (state.again.length && state.again[0].dueAt <= now) {
    show(await refreshed(state.again.shift().card));
  } else if (state.queue.length) {
    show(state.queue.shift());
  } else if (state.again.length) {
    wait();
  } else {
    showEnd();
  }
}

function wait() {
  const first = state.again[0];
  const count = state.again.length;
  const cards = count === 1 ? "1 card comes" : `${count} cards come`;
  setText("wait-message", `${cards} back in this round: the next in ${fromNow(first.dueAt)}.`);
  if (document.querySelector('[data-screen="wait"]').hidden) showScreen("wait");
  state.timer = setTimeout(() => (Date.now() >= first.dueAt ? nextCard() : wait()), 1000);
}

async function grade(rating) {
  if (!state.revealed || state.busy) return;
  const card = state.card;
  state.busy = true;
  render();
  await recordAnswer(state.session.id, { word_id: card.id, is_correct: rating !== "again", rating }).stored();
  state.tally[rating] += 1;
  if (rating === "again") state.again.push({ card, dueAt: await dueAgain(card) });
  state.busy = false;
  nextCard();
}

function showEnd() {
  clearTimeout(state.timer);
  const total = RATINGS.reduce((sum, rating) => sum + state.tally[rating], 0);
  setText("score", `You reviewed ${total} card${total === 1 ? "" : "s"}`);
  $("tally").replaceChildren(...RATINGS.map((rating) => {
    const item = document.createElement("li");
    item.className = rating;
    item.textContent = `${rating[0].toUpperCase()}${rating.slice(1)}: ${state.tally[rating]}`;
    return item;
  }));
  showScreen("end");
}

function showNothingDue(nextDueAt) {
  const group = state.session.group_name;
  if (nextDueAt) {
    const at = new Date(nextDueAt).toLocaleString(undefined, DATE_AND_TIME);
    setText("next-due-message", `The next word of ${group} is due in ${fromNow(Date.parse(nextDueAt))} (${at}).`);
  } else {
    setText("next-due-message", `${group} has no words to review and no new words left for today.`);
  }
  showScreen("nothing-due");
}

async function startRound() {
  showScreen("loading");
  clearTimeout(state.timer);
  let due;
  try {
    due = await dueWords(state.session.group_id, ROUND_LIMIT, NEW_PER_ROUND);
  } catch (error) {
    showError(error, startRound);
    return;
  }
  state.queue = asCards(due.words);
  state.again = [];
  state.tally = { again: 0, hard: 0, good: 0, easy: 0 };
  if (state.queue.length === 0) showNothingDue(due.next_due_at);
  else nextCard();
}

document.addEventListener("keydown", (event) => {
  if (document.querySelector('[data-screen="study"]').hidden || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === " " && !state.revealed && event.target.tagName !== "BUTTON") {
    event.preventDefault();
    reveal();
  } else if (state.revealed && ["1", "2", "3", "4"].includes(event.key)) {
    event.preventDefault();
    grade(RATINGS[Number(event.key) - 1]);
  }
});

$("show").addEventListener("click", reveal);
for (const button of $("grades").querySelectorAll("button")) {
  button.addEventListener("click", () => grade(button.dataset.rating));
}
$("finish").addEventListener("click", showEnd);
$("another").addEventListener("click", startRound);
$("check-again").addEventListener("click", startRound);

launch("flashcards", (session) => {
  state.session = session;
  startRound();
});
