// Typing Tutor: a word's kanji and English are shown; the learner types its
// reading, in romaji or kana, and follows it part by part. Each answer is
// recorded in the study session as soon as it is given.
import { sleep } from "../shared/api.js";
import { $, dueWords, groupWords, launch, partElement, recordAnswer, setText, showError, showScreen } from "../shared/page.js";
import { follow, isRight, readingUnits } from "../shared/reading.js";

const ROUND_SIZE = 10;
const RIGHT_PAUSE_MS = 600;
const REVEAL_STEP_MS = 400;
// A part typed right or shown after a wrong answer says so with a mark and
// in words, not in its colour alone.
const PART_MARKS = { done: ["✓", "right"], revealed: ["✗", "wrong"] };

// Everything the screens show; render() draws the study screen from it.
const state = {
  session: null,
  words: [],
  dueIds: new Set(), // the words of the round that were due for review
  index: 0,
  units: [],
  typed: "",
  phase: "typing", // typing | right | wrong
  revealed: 0, // parts shown after a wrong answer
  results: [], // {word, correct}
  pending: null, // the answer being recorded, from recordAnswer()
};

const current = () => state.words[state.index];

function shuffled(items) {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

// The words due for review first, then the rest of the group: {words, dueIds}.
async function roundWords(groupId) {
  const [due, all] = await Promise.all([dueWords(groupId, ROUND_SIZE, 0), groupWords(groupId)]);
  const dueIds = new Set(due.words.map((word) => word.id));
  const words = [...due.words, ...shuffled(all.filter((word) => !dueIds.has(word.id)))].slice(0, ROUND_SIZE);
  return { words, dueIds };
}

function partState(partIndex, progress) {
  const lastUnit = state.units.findLastIndex((unit) => unit.part === partIndex);
  if (state.phase === "right" || lastUnit < progress.done) return "done";
  if (state.phase === "wrong") return partIndex < state.revealed ? "revealed" : "hidden";
  return state.units[progress.done]?.part === partIndex ? "current" : "todo";
}

function partMark(status) {
  const [mark, words] = PART_MARKS[status];
  const shown = document.createElement("span");
  shown.className = "part-mark";
  shown.setAttribute("aria-hidden", "true");
  shown.textContent = mark;
  const said = document.createElement("span");
  said.className = "visually-hidden";
  said.lang = "en";
  said.textContent = `${words}: `;
  return [shown, said];
}

function renderWord(word, progress) {
  $("word").replaceChildren(...word.parts.map((part, partIndex) => {
    const status = partState(partIndex, progress);
    const span = partElement("span", part, status in PART_MARKS);
    span.classList.add(status);
    if (status in PART_MARKS) span.querySelector(".part-reading").prepend(...partMark(status));
    return span;
  }));
}

// Where the typed text stops fitting the reading, said in words.
function mistyped(word, progress) {
  const unit = state.units[progress.done];
  if (!unit) return "That is longer than the reading.";
  return `That does not fit the reading of ${word.parts[unit.part].kanji}.`;
}

function render() {
  const word = current();
  const progress = follow(state.units, state.typed);
  const due = state.dueIds.has(word.id) ? " · due for review" : "";
  setText("progress", `Word ${state.index + 1} of ${state.words.length}${due}`);
  renderWord(word, progress);
  setText("english", word.english);
  const input = $("answer");
  input.readOnly = state.phase !== "typing";
  input.setAttribute("aria-invalid", String(state.phase === "wrong" || !progress.valid));
  input.classList.toggle("right", state.phase === "right");
  const feedback = {
    typing: progress.valid ? "" : mistyped(word, progress),
    right: "Right!",
    wrong: state.revealed < word.parts.length ? "Not quite. The reading is…"
      : `Not quite. The reading is ${word.parts.map((part) => part.romaji.join("")).join("·")}.`,
  }[state.phase];
  setText("feedback", feedback);
  $("feedback").className = `feedback ${state.phase}`;
  $("check").hidden = state.phase !== "typing";
  $("next").hidden = !(state.phase === "wrong" && state.revealed >= word.parts.length);
}

function showWord() {
  state.units = readingUnits(current());
  state.typed = "";
  state.phase = "typing";
  state.revealed = 0;
  $("answer").value = "";
  render();
  showScreen("study");
}

// A failure to record the answer is shown when the learner moves on.
async function next() {
  if (state.pending) {
    await state.pending.stored();
    state.pending = null;
  }
  state.index += 1;
  if (state.index < state.words.length) showWord();
  else showEnd();
}

async function answer() {
  const word = current();
  const correct = isRight(word, state.units, state.typed);
  state.phase = correct ? "right" : "wrong";
  state.results.push({ word, correct });
  state.pending = recordAnswer(state.session.id, { word_id: word.id, is_correct: correct });
  render();
  if (correct) {
    await sleep(RIGHT_PAUSE_MS);
    next();
    return;
  }
  // The right reading, one part after another, then on to the next word.
  for (let part = 1; part <= word.parts.length; part += 1) {
    await sleep(REVEAL_STEP_MS);
    state.revealed = part;
    render();
  }
  $("next").focus();
}

function showEnd() {
  const right = state.results.filter((result) => result.correct).length;
  setText("score", `${right} of ${state.results.length} right`);
  const template = $("result-template");
  $("results").replaceChildren(...state.results.map(({ word, correct }) => {
    const item = template.content.firstElementChild.cloneNode(true);
    item.classList.add(correct ? "right" : "wrong");
    item.querySelector(".result-mark").textContent = correct ? "✓ right" : "✗ wrong";
    item.querySelector(".result-kanji").textContent = word.kanji;
    item.querySelector(".result-reading").textContent = word.romaji;
    item.querySelector(".result-english").textContent = word.english;
    return item;
  }));
  showScreen("end");
}

async function startRound() {
  showScreen("loading");
  try {
    ({ words: state.words, dueIds: state.dueIds } = await roundWords(state.session.group_id));
  } catch (error) {
    showError(error, startRound);
    return;
  }
  if (state.words.length === 0) {
    showError(new Error(`The group ${state.session.group_name} has no words yet.`), startRound);
    return;
  }
  state.index = 0;
  state.results = [];
  showWord();
}

$("answer").addEventListener("input", (event) => {
  if (state.phase !== "typing") return;
  state.typed = event.target.value;
  render();
});

$("answer-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (state.phase === "typing" && state.typed.trim() !== "") answer();
  else if (!$("next").hidden) next();
});

$("next").addEventListener("click", () => next());
$("another").addEventListener("click", () => startRound());

launch("typing-tutor", (session) => {
  state.session = session;
  startRound();
});
