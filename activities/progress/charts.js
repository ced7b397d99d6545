// Charts drawn as SVG, each in a <figure> with a caption, one sentence that
// sums it up and the same numbers in a table behind a toggle: what a screen
// reader reads. Text from the API only ever goes in as text. Colours come
// from the stylesheet (classes), so that the dark scheme has its own.

const SVG = "http://www.w3.org/2000/svg";
const DAY_MS = 86400000;
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export const count = (n) => n.toLocaleString("en");
export const percent = (share) => `${Math.round(share * 100)} %`;
export const plural = (n, one, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

export function html(tag, attributes = {}, text = "") {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== "") element.textContent = text;
  return element;
}

function svg(tag, attributes = {}, text = "") {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== "") element.textContent = text;
  return element;
}

// Dates as the API writes them (YYYY-MM-DD), counted in whole days.
export const dayNumber = (date) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
export const dateOf = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);
export const weekdayOf = (date) => (new Date(dayNumber(date) * DAY_MS).getUTCDay() + 6) % 7; // Monday 0
export const shortDate = (date) => `${MONTHS[Number(date.slice(5, 7)) - 1]} ${Number(date.slice(8, 10))}`;
export const weekdayName = (date) => WEEKDAYS[weekdayOf(date)];

// The numbers of a chart, in a table behind a "Show the numbers" toggle.
export function numbersTable(caption, head, rows) {
  const details = html("details", { class: "numbers" });
  details.append(html("summary", {}, "Show the numbers"));
  const table = html("table");
  table.append(html("caption", {}, caption));
  const headRow = html("tr");
  headRow.append(...head.map((name) => html("th", { scope: "col" }, name)));
  table.append(html("thead"), html("tbody"));
  table.tHead.append(headRow);
  for (const row of rows) {
    const tr = html("tr");
    tr.append(html("th", { scope: "row" }, row[0]), ...row.slice(1).map((cell) => html("td", {}, cell)));
    table.tBodies[0].append(tr);
  }
  const box = html("div", { class: "table-box" });
  box.append(table);
  details.append(box);
  return details;
}

let figures = 0;

// A figure: caption, summary sentence, the drawing (in a box that scrolls
// sideways when the window is narrower), then whatever follows (a legend, a table).
export function figure(caption, summary, drawing, ...after) {
  const id = `figure-${(figures += 1)}`;
  const element = html("figure", { class: "chart", "aria-labelledby": `${id}-caption` });
  const box = html("div", { class: "drawing" });
  box.append(drawing);
  element.append(html("figcaption", { id: `${id}-caption` }, caption),
    html("p", { class: "summary", id: `${id}-summary` }, summary), box, ...after);
  if (drawing.getAttribute("role") === "img") {
    drawing.setAttribute("aria-labelledby", `${id}-caption ${id}-summary`);
  }
  return element;
}

// A round top for an axis: 1, 2 or 5 times a power of ten.
function niceCeiling(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((top) => top >= value);
}

// Vertical bars: [{label, value (null: none), name, className?}], `label`
// under the bar ("" for none), `name` its tooltip. `top` fixes the axis'
// top; `reference` draws a dashed line {value, label}; `format` writes a
// value (on the axis, and over each bar when `valuesShown`).
export function barChart(bars, { top, reference, format = count, valuesShown = false, barWidth = 18 } = {}) {
  const left = 44;
  const step = barWidth + 6;
  const plot = 140;
  const head = valuesShown ? 22 : 12;
  const plotEnd = left + bars.length * step + 4;
  const width = plotEnd + (reference ? 8 + reference.label.length * 6.5 : 6);
  const height = head + plot + 30;
  const axisTop = top ?? niceCeiling(Math.max(0, ...bars.map((bar) => bar.value ?? 0)));
  const y = (value) => head + plot - (value / axisTop) * plot;
  const drawing = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", class: "bars" });
  for (const tick of [0, axisTop / 2, axisTop]) {
    drawing.append(svg("line", { x1: left - 4, x2: plotEnd, y1: y(tick), y2: y(tick), class: "grid" }),
      svg("text", { x: left - 8, y: y(tick) + 4, class: "axis", "text-anchor": "end" }, format(tick)));
  }
  bars.forEach((bar, index) => {
    const x = left + index * step + 3;
    if (bar.value !== null && bar.value > 0) {
      const rect = svg("rect", { x, y: y(bar.value), width: barWidth, height: y(0) - y(bar.value),
        class: `bar ${bar.className ?? ""}`.trim() });
      rect.append(svg("title", {}, bar.name));
      drawing.append(rect);
    }
    if (valuesShown && bar.value !== null) {
      drawing.append(svg("text", { x: x + barWidth / 2, y: y(bar.value) - 5, class: "value", "text-anchor": "middle" },
        format(bar.value)));
    }
    if (bar.label) {
      drawing.append(svg("text", { x: x + barWidth / 2, y: head + plot + 18, class: "axis", "text-anchor": "middle" },
        bar.label));
    }
  });
  if (reference) {
    drawing.append(svg("line", { x1: left, x2: plotEnd, y1: y(reference.value), y2: y(reference.value),
      class: "reference" }),
    svg("text", { x: plotEnd + 6, y: y(reference.value) + 4, class: "reference-label" }, reference.label));
  }
  return drawing;
}

// Stacked parts of a whole, in one bar as wide as its box: [{value, className, name}].
export function stackedBar(parts, total) {
  const drawing = svg("svg", { viewBox: "0 0 1000 24", preserveAspectRatio: "none", class: "stacked",
    "aria-hidden": "true", focusable: "false" });
  let x = 0;
  for (const part of parts) {
    if (part.value === 0) continue;
    const width = (part.value / total) * 1000;
    const rect = svg("rect", { x, y: 0, width, height: 24, class: part.className });
    rect.append(svg("title", {}, part.name));
    drawing.append(rect);
    x += width;
  }
  return drawing;
}

// The levels of colour of a heatmap: the counts of the busiest days split
// in four, so that a quiet year and a busy one both show their shape.
export function heatLevels(counts) {
  const studied = counts.filter((n) => n > 0).sort((a, b) => a - b);
  if (studied.length === 0) return [1, 2, 3, 4];
  const at = (share) => studied[Math.min(studied.length - 1, Math.floor(share * studied.length))];
  const bounds = [1];
  for (const share of [0.25, 0.5, 0.75]) bounds.push(Math.max(at(share) + 1, bounds[bounds.length - 1] + 1));
  return bounds; // level k (1..4) from bounds[k-1] up
}

export const levelOf = (n, bounds) => (n === 0 ? 0 : bounds.filter((bound) => n >= bound).length);

// The legend of those levels, with the counts each stands for.
export function heatLegend(bounds) {
  const legend = html("ul", { class: "legend", "aria-label": "Colour key: reviews a day" });
  const ranges = ["0", ...bounds.map((low, k) => (k === 3 ? `${count(low)} or more`
    : low === bounds[k + 1] - 1 ? count(low) : `${count(low)}–${count(bounds[k + 1] - 1)}`))];
  ranges.forEach((range, level) => {
    const item = html("li");
    item.append(html("span", { class: `swatch level-${level}`, "aria-hidden": "true" }), html("span", {}, range));
    legend.append(item);
  });
  return legend;
}

// A year of days as a calendar: weeks as columns (Monday on top), the last
// column the week of `today`. `days`: [{date, name, level}] oldest first, one
// per day. A grid for the keyboard: one day takes the focus (Tab), the arrows
// move by a day or a week, Home and End to the first and last; the focused
// or hovered day's name shows beside it.
export function heatmap(days, label) {
  const cell = 15;
  const left = 32;
  const head = 18;
  const firstWeekday = weekdayOf(days[0].date);
  const weeks = Math.ceil((firstWeekday + days.length) / 7);
  const width = left + weeks * cell + 4;
  const height = head + 7 * cell + 4;
  const drawing = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "grid",
    "aria-label": label, class: "heatmap" });
  const rows = WEEKDAYS.map((name, weekday) => {
    if (weekday % 2 === 0) {
      drawing.append(svg("text", { x: left - 6, y: head + weekday * cell + 10, class: "axis", "text-anchor": "end",
        "aria-hidden": "true" }, name));
    }
    const row = svg("g", { role: "row" });
    drawing.append(row);
    return row;
  });
  const cells = days.map((day, index) => {
    const slot = firstWeekday + index;
    const column = Math.floor(slot / 7);
    const rect = svg("rect", { x: left + column * cell, y: head + (slot % 7) * cell, width: cell - 3,
      height: cell - 3, rx: 2, role: "gridcell", tabindex: -1, "aria-label": day.name, class: `day level-${day.level}`,
      "data-date": day.date });
    rows[slot % 7].append(rect);
    if (day.date.endsWith("-01") || index === 0) {
      drawing.append(svg("text", { x: left + column * cell, y: 11, class: "axis", "aria-hidden": "true" },
        MONTHS[Number(day.date.slice(5, 7)) - 1]));
    }
    return rect;
  });
  const tip = html("div", { class: "tip", "aria-hidden": "true", hidden: "" });
  const wrapper = html("div", { class: "heatmap-box" });
  wrapper.append(drawing, tip);

  const show = (rect) => {
    tip.textContent = rect.getAttribute("aria-label");
    tip.hidden = false;
    const box = wrapper.getBoundingClientRect();
    const at = rect.getBoundingClientRect();
    const tipWidth = tip.offsetWidth;
    const x = Math.min(Math.max(at.left - box.left + at.width / 2 - tipWidth / 2, 0), wrapper.scrollWidth - tipWidth);
    const above = at.top - box.top - tip.offsetHeight - 4;
    tip.style.left = `${x}px`;
    // above the day, or below it where the box would cut it off (the top rows)
    tip.style.top = `${above >= 0 ? above : at.bottom - box.top + 4}px`;
  };
  const hide = () => { tip.hidden = true; };
  let current = cells.length - 1;
  cells[current].setAttribute("tabindex", "0");
  const move = (to) => {
    const next = Math.min(Math.max(to, 0), cells.length - 1);
    cells[current].setAttribute("tabindex", "-1");
    cells[next].setAttribute("tabindex", "0");
    current = next;
    cells[next].focus();
  };
  const keys = { ArrowUp: -1, ArrowDown: 1, ArrowLeft: -7, ArrowRight: 7 };
  drawing.addEventListener("keydown", (event) => {
    if (event.key in keys) move(current + keys[event.key]);
    else if (event.key === "Home") move(0);
    else if (event.key === "End") move(cells.length - 1);
    else return;
    event.preventDefault();
  });
  drawing.addEventListener("focusin", (event) => {
    const index = cells.indexOf(event.target);
    if (index >= 0) {
      if (index !== current) move(index);
      show(event.target);
    }
  });
  drawing.addEventListener("focusout", hide);
  drawing.addEventListener("pointerover", (event) => { if (cells.includes(event.target)) show(event.target); });
  drawing.addEventListener("pointerleave", () => {
    if (cells.includes(document.activeElement)) show(document.activeElement); else hide();
  });
  return wrapper;
}
