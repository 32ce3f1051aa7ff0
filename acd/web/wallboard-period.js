// The wallboard's reports: a period the supervisor picks (today, yesterday, the last 7
// days, or from/to days), its per-queue and per-agent figures, and the links that export
// its journal as CSV and as Asterisk's queue_log. Days are the browser's days.
import { api, duration, el, problemText } from "/static/api.js";
import { language, number, percent, t } from "/static/i18n.js";

const $ = (id) => document.getElementById(id);

function midnight(daysFromToday, base = new Date()) {
  const day = new Date(base);
  day.setHours(0, 0, 0, 0);
  day.setDate(day.getDate() + daysFromToday);
  return day;
}

// A date input's value (YYYY-MM-DD) as that day's local midnight.
function dayOf(value) {
  const [year, month, day] = value.split("-").map(Number);
  return new Date(year, month - 1, day);
}

// [from, to) of the picked period, or null when the custom days are missing or reversed.
// It ends now at the latest: time in state is counted to the period's end.
function pickedPeriod() {
  const period = pickedDays();
  if (!period) return null;
  const to = new Date(Math.min(period.to, Date.now()));
  return period.from < to ? { from: period.from, to } : null;
}

function pickedDays() {
  switch ($("period").value) {
    case "yesterday": return { from: midnight(-1), to: midnight(0) };
    case "week": return { from: midnight(-6), to: midnight(1) };
    case "custom": {
      const [start, end] = [$("period-from").value, $("period-to").value];
      if (!start || !end) return null;
      const period = { from: dayOf(start), to: midnight(1, dayOf(end)) };
      return period.from < period.to ? period : null;
    }
    default: return { from: midnight(0), to: midnight(1) };
  }
}

function query(period) {
  return new URLSearchParams({ from: period.from.toISOString(), to: period.to.toISOString() });
}

const ratio = (value) => (value === null || value === undefined ? "—" : percent(value));
const seconds = (value) => (value === null || value === undefined ? "—" : duration(value));

function queueRow(name, f, attrs = {}) {
  return el("tr", attrs,
    el("td", {}, name),
    el("td", { class: "num", dataset: { field: "offered" } }, number(f.offered)),
    el("td", { class: "num", dataset: { field: "answered" } }, number(f.answered)),
    el("td", { class: "num", dataset: { field: "abandoned" } }, number(f.abandoned)),
    el("td", { class: "num", dataset: { field: "service_level" } }, ratio(f.service_level)),
    el("td", { class: "num" }, seconds(f.asa_s)),
    el("td", { class: "num" }, seconds(f.aht_s)));
}

function agentRow(a) {
  return el("tr", { dataset: { agent: a.agent_id } },
    el("td", {}, a.agent_id),
    el("td", { class: "num", dataset: { field: "answered" } }, number(a.answered)),
    el("td", { class: "num", dataset: { field: "outbound" } }, number(a.outbound)),
    el("td", { class: "num" }, seconds(a.aht_s)),
    el("td", { class: "num" }, ratio(a.occupancy)));
}

function emptyRow(columns) {
  return el("tr", {}, el("td", { colspan: columns, class: "empty" }, t("wall.period.no_calls")));
}

export async function loadPeriod() {
  $("period-error").textContent = "";
  $("period-dates").classList.toggle("hidden", $("period").value !== "custom");
  const period = pickedPeriod();
  if (!period) {
    if ($("period").value === "custom" && $("period-from").value && $("period-to").value) {
      $("period-error").textContent = t("wall.period.invalid");
    }
    return;
  }
  const params = query(period);
  $("export-csv").href = `/api/v1/calls?format=csv&${params}`;
  $("export-queue-log").href = `/api/v1/calls/queue_log?${params}`;
  try {
    const [queues, agents] = await Promise.all([
      api("GET", `/api/v1/stats/queues?${params}`), api("GET", `/api/v1/stats/agents?${params}`)]);
    $("period-queues").replaceChildren(...(queues.queues.length
      ? [...queues.queues.map((q) => queueRow(q.queue, q, { dataset: { queue: q.queue } })),
        queueRow(t("wall.period.all_queues"), queues.total, { class: "total", dataset: { queue: "" } })]
      : [emptyRow(7)]));
    $("period-agents").replaceChildren(...(agents.agents.length ? agents.agents.map(agentRow) : [emptyRow(5)]));
    $("period-shown").textContent = t("wall.period.shown", {
      from: period.from.toLocaleDateString(language()), to: new Date(period.to - 1).toLocaleDateString(language()),
    });
  } catch (error) {
    $("period-error").textContent = problemText(error);
  }
}

export function wirePeriod() {
  const today = midnight(0);
  const iso = (date) => `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
  $("period-from").value = iso(midnight(-1, today));
  $("period-to").value = iso(today);
  $("period").addEventListener("change", loadPeriod);
  $("period-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadPeriod();
  });
}
