// The learner's progress: a year of study, what falls due, how well words
// stick, each group's words by state, and the words forgotten most often.
// Every figure comes from the API; this page only draws them.
import { get } from "../shared/api.js";
import { $, showScreen } from "../shared/screens.js";
import { showError, showLearner } from "../shared/sign-in.js";
import {
  barChart, count, dateOf, dayNumber, figure, heatLegend, heatLevels, heatmap, html, levelOf, numbersTable,
  percent, plural, shortDate, stackedBar, weekdayName,
} from "./charts.js";

const YEAR_DAYS = 365;
const LEECHES = 10;
const STATES = [
  { key: "new", label: "new", className: "state-new" },
  { key: "learning", label: "learning", className: "state-learning" },
  { key: "review", label: "in review", className: "state-review" },
  { key: "mature", label: "mature", className: "state-mature" },
];

const state = { history: null, forecast: null, retention: null, groups: null, activities: [], leeches: null };

function dayName(date, day) {
  if (!day || day.reviews === 0) return `${date}: no reviews`;
  return `${date}: ${plural(day.reviews, "review")}, ${percent(day.accuracy)} correct`;
}

function renderYear() {
  const { history, forecast } = state;
  const today = forecast.days[0].date;
  const byDate = new Map(history.days.map((day) => [day.date, day]));
  const first = dayNumber(today) - (YEAR_DAYS - 1);
  const dates = Array.from({ length: YEAR_DAYS }, (_, n) => dateOf(first + n));
  const reviews = dates.map((date) => byDate.get(date)?.reviews ?? 0);
  const bounds = heatLevels(reviews);
  const days = dates.map((date, n) => ({ date, name: dayName(date, byDate.get(date)), level: levelOf(reviews[n], bounds) }));
  const studied = history.days.filter((day) => day.date >= dates[0]);
  const total = reviews.reduce((sum, n) => sum + n, 0);
  const busiest = studied.reduce((best, day) => (!best || day.reviews > best.reviews ? day : best), null);

  const stats = [
    ["Current streak", plural(history.current_streak, "day")],
    ["Longest streak", plural(history.longest_streak, "day")],
    ["Reviews this year", count(total)],
    ["Days studied", count(studied.length)],
  ];
  $("year-stats").replaceChildren(...stats.flatMap(([term, value]) => {
    const item = html("div", { class: "stat" });
    item.append(html("dt", {}, term), html("dd", {}, value));
    return [item];
  }));
  const summary = `${plural(total, "review")} on ${plural(studied.length, "day")} in the last ${YEAR_DAYS} days`
    + (busiest && busiest.reviews > 0 ? `; the busiest was ${weekdayName(busiest.date)} ${busiest.date}, with ${plural(busiest.reviews, "review")}.` : ".");
  const table = numbersTable("Days with study, oldest first (every other day had none)",
    ["Date", "Reviews", "Correct", "Sessions"],
    studied.map((day) => [day.date, count(day.reviews), day.accuracy === null ? "–" : percent(day.accuracy),
      count(day.sessions)]));
  const calendar = heatmap(days, `Reviews per day, ${dates[0]} to ${today}`);
  $("year").replaceChildren(figure(`Reviews per day in ${history.tz} time, weeks from Monday`, summary, calendar,
    heatLegend(bounds), table));
  const box = calendar.parentElement;
  box.scrollLeft = box.scrollWidth; // today in view on a narrow screen
}

// "most on Thursday", "most today": where the most reviews fall among `days`.
function busiestDay(days, today) {
  const most = days.reduce((best, day) => (day.due > best.due ? day : best), days[0]);
  const offset = dayNumber(most.date) - dayNumber(today);
  const when = offset === 0 ? "today" : offset === 1 ? "tomorrow" : `on ${weekdayName(most.date)} ${shortDate(most.date)}`;
  return { most, when };
}

function renderDue() {
  const { forecast } = state;
  const today = forecast.days[0].date;
  const sum = (days) => days.reduce((total, day) => total + day.due, 0);
  const week = forecast.days.slice(0, 7);
  const weekTotal = sum(week);
  const monthTotal = sum(forecast.days);
  let summary;
  if (monthTotal === 0) {
    summary = `Nothing falls due in the next ${forecast.days.length} days.`;
  } else {
    const { most, when } = busiestDay(weekTotal > 0 ? week : forecast.days, today);
    summary = weekTotal > 0
      ? `${plural(weekTotal, "review")} due in the next 7 days, most ${when} (${count(most.due)}); ${count(monthTotal)} in the next ${forecast.days.length} days, ${count(forecast.days[0].due)} of them today, overdue included.`
      : `Nothing is due in the next 7 days; ${plural(monthTotal, "review")} in the next ${forecast.days.length}, most ${when} (${count(most.due)}).`;
  }
  const dayBars = forecast.days.map((day, n) => ({
    value: day.due,
    label: n === 0 ? "Today" : String(Number(day.date.slice(8, 10))),
    name: `${day.date}: ${plural(day.due, "review")} due${n === 0 ? " (overdue included)" : ""}`,
    className: n === 0 ? "today" : "",
  }));
  $("due-days").replaceChildren(figure(`Reviews due per day, the next ${forecast.days.length} days (today first, overdue counted in today)`,
    summary, barChart(dayBars),
    numbersTable("Reviews due per day", ["Date", "Due"],
      forecast.days.map((day, n) => [n === 0 ? `${day.date} (today, overdue included)` : day.date, count(day.due)]))));

  const hour = new Intl.DateTimeFormat("en-GB", { timeZone: state.history.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const hours = forecast.hours.map((slot) => ({ ...slot, local: hour.format(new Date(slot.start)) }));
  const hoursTotal = hours.reduce((total, slot) => total + slot.due, 0);
  const busiestHour = hours.reduce((best, slot) => (slot.due > best.due ? slot : best), hours[0]);
  const hoursSummary = hoursTotal === 0 ? "Nothing falls due in the next 24 hours."
    : `${plural(hoursTotal, "review")} due in the next 24 hours, most in the hour from ${busiestHour.local} (${count(busiestHour.due)}); the first hour counts what is overdue.`;
  const hourBars = hours.map((slot, n) => ({
    value: slot.due,
    label: n % 3 === 0 ? slot.local.slice(0, 2) : "",
    name: `${slot.local}: ${plural(slot.due, "review")} due${n === 0 ? " (overdue included)" : ""}`,
    className: n === 0 ? "today" : "",
  }));
  $("due-hours").replaceChildren(figure("Reviews due per hour, the next 24 hours (your clock)", hoursSummary,
    barChart(hourBars, { barWidth: 14 }),
    numbersTable("Reviews due per hour", ["Hour from", "Due"], hours.map((slot) => [slot.local, count(slot.due)]))));
}

function renderRetention() {
  const { retention } = state;
  const desired = retention.desired_retention;
  const summary = retention.reviews === 0
    ? `No word in review was answered in the last ${retention.weeks.length} weeks: this shows once the words you learnt come back. Your desired retention is ${percent(desired)}.`
    : `${percent(retention.retention)} of ${plural(retention.reviews, "answer")} to words in review were right over the last ${retention.weeks.length} weeks; your desired retention is ${percent(desired)}.`;
  const bars = retention.weeks.map((week) => ({
    value: week.retention === null ? null : Math.round(week.retention * 100),
    label: shortDate(week.start),
    name: week.retention === null ? `Week of ${week.start}: no answers to words in review`
      : `Week of ${week.start}: ${percent(week.retention)} of ${plural(week.reviews, "answer")} right`,
    className: week.retention !== null && week.retention < desired ? "below" : "",
  }));
  const chart = barChart(bars, { top: 100, format: (value) => `${value} %`, valuesShown: true, barWidth: 36,
    reference: { value: desired * 100, label: `desired ${percent(desired)}` } });
  $("retention").replaceChildren(figure("True retention per week: answers to words already in review that were right",
    summary, chart,
    numbersTable("True retention per week (weeks from Monday)", ["Week from", "Answers", "Right", "Retention"],
      retention.weeks.map((week) => [week.start, count(week.reviews), count(week.correct),
        week.retention === null ? "–" : percent(week.retention)]))));
}

// Where a group is studied: each activity, opened for that group.
function studyUrl(activity, groupId) {
  const url = new URL(activity.launch_url);
  url.searchParams.set("group_id", String(groupId));
  return url.href;
}

function renderGroups() {
  const groups = state.groups.groups.filter((group) => group.word_count > 0);
  const list = html("ul", { class: "group-bars" });
  for (const group of groups) {
    const item = html("li", { class: "group" });
    const title = html("p", { class: "group-name" });
    title.append(html("strong", {}, group.name), html("span", { class: "muted" }, ` · ${plural(group.word_count, "word")}`));
    const links = html("span", { class: "group-links" });
    for (const activity of state.activities) {
      links.append(html("a", { href: studyUrl(activity, group.id) }, activity.title));
    }
    title.append(links);
    const counts = STATES.map(({ key, label, className }) => ({ value: group[key], className, name: `${count(group[key])} ${label}` }));
    item.append(title, stackedBar(counts, group.word_count),
      html("p", { class: "group-counts" }, counts.map((part) => part.name).join(" · ")));
    list.append(item);
  }
  const studied = (group) => group.learning + group.review + group.mature;
  const most = groups.reduce((best, group) => (!best || studied(group) > studied(best) ? group : best), null);
  const summary = !most || studied(most) === 0 ? `None of the ${plural(groups.length, "group")}' words studied yet.`
    : `${plural(groups.length, "group")}; the most studied is ${most.name}, with ${count(studied(most))} of its ${plural(most.word_count, "word")} learning, in review or mature (${count(most.mature)} mature).`;
  const legend = html("ul", { class: "legend", "aria-label": "Colour key: states" });
  for (const { label, className } of STATES) {
    const item = html("li");
    item.append(html("span", { class: `swatch ${className}`, "aria-hidden": "true" }), html("span", {}, label));
    legend.append(item);
  }
  $("groups").replaceChildren(figure(`Each group's words: new, learning, in review and mature (stable for ${state.groups.mature_stability_days} days or more)`,
    summary, list, legend,
    numbersTable("Words by state, per group", ["Group", "New", "Learning", "In review", "Mature", "Words"],
      groups.map((group) => [group.name, ...STATES.map(({ key }) => count(group[key])), count(group.word_count)]))));
}

function renderLeeches(details) {
  const words = state.leeches.words;
  $("leeches-summary").textContent = words.length === 0
    ? "No word has been forgotten once in review yet: the words you forget most will show here."
    : `The ${plural(words.length, "word")} you forgot most often once ${words.length === 1 ? "it was" : "they were"} in review, most first; each opens a study session of one of its groups.`;
  const activity = state.activities.find((each) => each.slug === "flashcards") ?? state.activities[0];
  $("leeches").replaceChildren(...words.map((word) => {
    const item = $("leech-template").content.firstElementChild.cloneNode(true);
    item.querySelector(".leech-kanji").textContent = word.kanji;
    item.querySelector(".leech-kana").textContent = word.kana ?? "";
    item.querySelector(".leech-romaji").textContent = word.romaji;
    item.querySelector(".leech-english").textContent = word.english;
    item.querySelector(".leech-lapses").textContent = `forgotten ${plural(word.schedule.lapses, "time")}`;
    const link = item.querySelector(".leech-study");
    const group = details?.get(word.id)?.groups[0];
    if (group && activity) {
      link.href = studyUrl(activity, group.id);
      link.textContent = `Study ${group.name}`;
    } else {
      link.remove();
    }
    return item;
  }));
}

function renderEmpty() {
  $("empty-activities").replaceChildren(...state.activities.map((activity) => {
    const item = html("li");
    item.append(html("a", { href: activity.launch_url, class: "button" }, activity.title));
    return item;
  }));
  showScreen("empty");
}

// Each leech's groups, for a link to study it: one small call per word, after the page is drawn.
async function leechGroups() {
  const found = await Promise.all(state.leeches.words.map((word) => get(`/api/words/${word.id}`)));
  return new Map(found.map(({ word }) => [word.id, word]));
}

async function open() {
  showScreen("loading");
  try {
    [state.history, state.forecast, state.retention, state.groups, state.activities, state.leeches] = await Promise.all([
      get("/api/dashboard/history"), get("/api/dashboard/forecast"), get("/api/dashboard/retention"),
      get("/api/dashboard/groups"), get("/api/study-activities"), get(`/api/words/leeches?lapses=1&per_page=${LEECHES}`),
    ]);
    if (state.history.longest_streak === 0) { // never a session: nothing to draw yet
      renderEmpty();
      return;
    }
    showScreen("progress");
    renderYear();
    renderDue();
    renderRetention();
    renderGroups();
    renderLeeches(null);
    performance.mark("progress-drawn");
    renderLeeches(await leechGroups());
    document.body.dataset.ready = "true";
  } catch (error) {
    showError(error, open);
  }
}

showLearner();
open();
