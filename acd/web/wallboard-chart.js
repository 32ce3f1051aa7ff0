// The wallboard's day charts: per queue, calls offered and answered per hour as bars and
// the service level as points joined by a line, from /api/v1/stats/intervals. Inline
// SVG built here (no chart library; the CSP allows no inline style, so only classes and
// SVG attributes), with a title, a description and a visually hidden table of the same
// numbers for screen readers.
import { api, el } from "/static/api.js";
import { number, percent, t } from "/static/i18n.js";

const SVG = "http://www.w3.org/2000/svg";
// The drawing's own units; the SVG scales to its box.
const WIDTH = 480;
const HEIGHT = 180;
const PAD = { left: 30, right: 36, top: 10, bottom: 22 };
const INTERVAL_MINUTES = 60;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(key, String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

// The interval's time on the centre's clock, which the server writes its times in
// (2025-01-06T09:00:00+01:00), whatever the browser's zone.
function hourOf(iso) {
  return iso.slice(11, 16);
}

function slText(value) {
  return value === null || value === undefined ? "—" : percent(value);
}

function totals(intervals) {
  const sum = (field) => intervals.reduce((total, i) => total + i[field], 0);
  const counted = sum("offered") - sum("short_abandoned");
  return {
    offered: sum("offered"),
    answered: sum("answered"),
    abandoned: sum("abandoned"),
    service_level: counted > 0 ? sum("answered_within_target") / counted : null,
  };
}

function chart(queue, intervals) {
  const ids = { title: `chart-${queue}-title`, desc: `chart-${queue}-desc` };
  const whole = totals(intervals);
  const top = Math.max(1, ...intervals.map((i) => i.offered));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, intervals.length);
  const x = (index) => PAD.left + index * slot;
  const y = (count) => PAD.top + plotH - (count / top) * plotH;
  const ySl = (ratio) => PAD.top + plotH - ratio * plotH;
  const bars = intervals.flatMap((i, index) => i.offered === 0 ? [] : [
    svg("rect", { class: "bar-offered", x: x(index) + 1, y: y(i.offered), width: slot - 2,
      height: PAD.top + plotH - y(i.offered), "data-offered": i.offered, "data-from": i.from }),
    svg("rect", { class: "bar-answered", x: x(index) + 1, y: y(i.answered), width: slot - 2,
      height: PAD.top + plotH - y(i.answered), "data-answered": i.answered }),
  ]);
  const points = intervals.flatMap((i, index) => i.service_level === null ? [] :
    [[x(index) + slot / 2, ySl(i.service_level), i.service_level]]);
  const line = points.length > 1
    ? svg("polyline", { class: "sl-line", points: points.map(([px, py]) => `${px},${py}`).join(" ") })
    : null;
  const dots = points.map(([px, py, level]) => svg("circle", { class: "sl-point", cx: px, cy: py, r: 3,
    "data-service-level": level.toFixed(3) }));
  const hourTicks = intervals.flatMap((i, index) => /^(0[0369]|1[258]|21):00$/.test(hourOf(i.from))
    ? [svg("text", { class: "axis", x: x(index), y: HEIGHT - 6 }, hourOf(i.from))] : []);
  const picture = svg("svg", {
    class: "day-chart", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img",
    "aria-labelledby": `${ids.title} ${ids.desc}`,
  },
  svg("title", { id: ids.title }, t("wall.chart.title", { queue })),
  svg("desc", { id: ids.desc }, t("wall.chart.desc", {
    offered: number(whole.offered), answered: number(whole.answered), service_level: slText(whole.service_level),
  })),
  svg("line", { class: "axis-line", x1: PAD.left, y1: PAD.top + plotH, x2: WIDTH - PAD.right, y2: PAD.top + plotH }),
  svg("text", { class: "axis", x: PAD.left - 4, y: PAD.top + 8, "text-anchor": "end" }, number(top)),
  svg("text", { class: "axis", x: PAD.left - 4, y: PAD.top + plotH, "text-anchor": "end" }, number(0)),
  svg("text", { class: "axis sl-axis", x: WIDTH - PAD.right + 4, y: PAD.top + 8 }, percent(1)),
  ...bars, line, ...dots, ...hourTicks);
  return el("figure", { class: "chart", id: `chart-${queue}`, dataset: { queue } },
    el("figcaption", {}, el("strong", {}, queue), " ",
      el("span", { class: "muted" }, t("wall.chart.summary", {
        offered: number(whole.offered), answered: number(whole.answered), service_level: slText(whole.service_level),
      }))),
    picture, table(queue, intervals));
}

// The same numbers as the picture, for screen readers (and the tests).
function table(queue, intervals) {
  return el("table", { class: "visually-hidden" },
    el("caption", {}, t("wall.chart.title", { queue })),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, t("wall.chart.interval")),
      el("th", { scope: "col" }, t("wall.chart.offered")),
      el("th", { scope: "col" }, t("wall.chart.answered")),
      el("th", { scope: "col" }, t("wall.chart.abandoned")),
      el("th", { scope: "col" }, t("wall.chart.service_level")))),
    el("tbody", {}, ...intervals.map((i) => el("tr", { dataset: { from: i.from } },
      el("th", { scope: "row" }, `${hourOf(i.from)}–${hourOf(i.to)}`),
      el("td", { dataset: { field: "offered" } }, number(i.offered)),
      el("td", { dataset: { field: "answered" } }, number(i.answered)),
      el("td", { dataset: { field: "abandoned" } }, number(i.abandoned)),
      el("td", { dataset: { field: "service_level" } }, slText(i.service_level))))));
}

// Today's chart of each queue, in the order given (the wallboard's queues).
export async function loadCharts(queues) {
  const answers = await Promise.all(queues.map((q) => api("GET",
    `/api/v1/stats/intervals?size=${INTERVAL_MINUTES}&queue=${encodeURIComponent(q.name)}`)));
  document.getElementById("charts").replaceChildren(
    ...answers.map((answer, index) => chart(queues[index].name, answer.intervals)));
}
