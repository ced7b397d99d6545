// Flashcards: the group's words due for review, then new ones. The kanji
// first; Space reveals the reading, meaning and parts; the learner grades
// the card Again / Hard / Good / Easy, and the API schedules it. A card graded
// Again comes back in the same round once it is due again, as in Anki.
import { newIdempotencyKey } from "../shared/api.js";
import { dueWords, launch, partItems, recordReview, setText, showError, showScreen } from "../shared/page.js";
import { kanaOf, toKana } from "../shared/reading.js";

const ROUND_LIMIT = 20;
const NEW_PER_ROUND = 10;
const RATINGS = ["again", "hard", "good", "easy"];
// Without a schedule from the API, a forgotten card comes back after a minute.
const AGAIN_FALLBACK_MS = 60 * 1000;

const state = {
  session: null,
  queue: [], // cards not yet shown this round
  again: [], // {card, dueAt}: graded Again, back once due
  card: null, // the word on screen
  revealed: false,
  busy: false,
  tally: { again: 0, hard: 0, good: 0, easy: 0 },
  timer: null,
};

const $ = (id) => document.getElementById(id);

// "1 min", "10 min", "3 h", "4 days": when a card would come back.
export function fromNow(iso, now = Date.now()) {
  const seconds = Math.max(0, (Date.parse(iso) - now) / 1000);
  const units = [[365 * 86400, "y"], [30 * 86400, "mo"], [86400, "d"], [3600, "h"], [60, "min"]];
  for (const [size, name] of units) {
    if (seconds >= size) return `${Math.round(seconds / size)} ${name}`;
  }
  return seconds > 0 ? "< 1 min" : "now";
}

function render() {
  const word = state.card;
  setText("where", `${state.session.group_name} · session ${state.session.id}`);
  const waiting = state.again.length ? ` · ${state.again.length} to see again` : "";
  setText("progress", `${state.queue.length + 1} left${waiting}`);
  setText("kanji", word.kanji);
  $("back").hidden = !state.revealed;
  $("front-actions").hidden = state.revealed;
  $("grades").hidden = !state.revealed;
  if (state.revealed) {
    setText("kana", kanaOf(word));
    setText("romaji", word.romaji);
    setText("english", word.english);
    $("parts").replaceChildren(...partItems(word, toKana));
  }
  for (const button of $("grades").querySelectorAll("button")) {
    const when = word.next_due ? fromNow(word.next_due[button.dataset.rating]) : "";
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
  $("grades").querySelector('[data-rating="good"]').focus();
}

// A card back from Again: its labels as the API sees the card now.
async function refreshed(card) {
  try {
    const { words } = await dueWords(state.session.group_id, 100, 0);
    return words.find((word) => word.id === card.id) || card;
  } catch {
    return card;
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
  setText("wait-message", `${cards} back in this round: the next in ${fromNow(new Date(first.dueAt).toISOString())}.`);
  if (document.querySelector('[data-screen="wait"]').hidden) showScreen("wait");
  state.timer = setTimeout(() => (Date.now() >= first.dueAt ? nextCard() : wait()), 1000);
}

async function grade(rating) {
  if (!state.revealed || state.busy) return;
  const card = state.card;
  state.busy = true;
  render();
  const review = { word_id: card.id, is_correct: rating !== "again", rating };
  const key = newIdempotencyKey();
  const send = async () => {
    try {
      await recordReview(state.session.id, review, key);
    } catch (error) {
      // The same key again: a post that did arrive is not stored twice.
      showError(error, () => {
        showScreen("study");
        send();
      });
      return;
    }
    state.busy = false;
    state.tally[rating] += 1;
    if (rating === "again") {
      const dueAt = card.next_due ? Date.parse(card.next_due.again) : Date.now() + AGAIN_FALLBACK_MS;
      state.again.push({ card, dueAt });
    }
    nextCard();
  };
  await send();
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
  setText("next-due-message", nextDueAt
    ? `The next word of ${state.session.group_name} is due in ${fromNow(nextDueAt)} (${new Date(nextDueAt).toLocaleString()}).`
    : `${state.session.group_name} has no words to review and no new words left for today.`);
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
  state.queue = [...due.words];
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
