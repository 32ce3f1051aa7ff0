// The supervisor wallboard: queues with their waiting calls and today's figures, the
// day's chart per queue, agents by state with their time in state, the reports of a
// period, and the supervisor's actions. Live over /api/v1/ws.
import {
  afterJournal, api, connectLive, currentSession, el, duration, homeOf, problemText, signOut, since, elapsedFrom,
} from "/static/api.js";
import { clock, label, number, percent, startI18n, t } from "/static/i18n.js";
import { loadCharts } from "/static/wallboard-chart.js";
import { loadPeriod, wirePeriod } from "/static/wallboard-period.js";

const $ = (id) => document.getElementById(id);
const board = { agents: [], queues: [], stats: new Map(), stamp: Date.now() };
const STATE_ORDER = ["ringing", "on_call", "wrap_up", "manual_call", "ready", "paused", "logged_out"];

async function loadLive() {
  const [agents, queues] = await Promise.all([api("GET", "/api/v1/agents"), api("GET", "/api/v1/queues")]);
  board.agents = agents.map((a) => ({ ...a, start: since(a.in_state_s) }));
  board.queues = queues;
  board.stamp = Date.now();
  render();
}

// Today's figures per queue on the centre's clock, as the charts and the reports count
// them (docs/metrics.md: short abandons are neither abandoned nor held against the
// service level).
async function loadStats() {
  const answer = await api("GET", "/api/v1/stats/queues");
  board.stats = new Map(answer.queues.map((q) => [q.queue, q]));
  renderQueues();
}

// Everything that changes when a call ends: today's figures, the charts, the period's.
async function loadFigures() {
  $("chart-error").textContent = "";
  await Promise.all([loadStats(), loadPeriod(), loadCharts(board.queues).catch((error) => {
    $("chart-error").textContent = problemText(error);
  })]);
}

// Many events come in bursts (a call is queued, offered, connected...): reload once.
let pending = null;
function reloadSoon() {
  if (pending) return;
  pending = setTimeout(async () => {
    pending = null;
    await loadLive();
  }, 100);
}
const figuresAfterCall = afterJournal(() => loadFigures());

function render() {
  renderSummary();
  renderQueues();
  renderWaiting();
  renderAgents();
}

function waitNow(seconds) {
  return seconds + (Date.now() - board.stamp) / 1000;
}

function renderSummary() {
  const calls = board.queues.flatMap((q) => q.calls);
  $("total-waiting").textContent = number(calls.length);
  $("total-longest").textContent = calls.length ? duration(Math.max(...calls.map((c) => waitNow(c.wait)))) : "—";
  const count = (...states) => board.agents.filter((a) => states.includes(a.state)).length;
  $("count-ready").textContent = number(count("ready"));
  $("count-busy").textContent = number(count("on_call", "ringing", "manual_call"));
  $("count-wrap").textContent = number(count("wrap_up"));
  $("count-paused").textContent = number(count("paused"));
  $("count-in").textContent = number(board.agents.length - count("logged_out"));
}

function renderQueues() {
  $("queues").replaceChildren(...board.queues.map((q) => {
    const s = board.stats.get(q.name) || { offered: 0, answered: 0, abandoned: 0, service_level: null };
    const longest = q.calls.length ? waitNow(q.longest_wait) : null;
    return el("tr", { class: longest !== null && longest > 60 ? "alert" : "", dataset: { queue: q.name } },
      el("td", {}, q.name),
      el("td", { class: "num", dataset: { field: "waiting" } }, number(q.calls.length)),
      el("td", { class: "num timer" }, longest === null ? "—" : duration(longest)),
      el("td", { class: "num" }, `${q.available_primary} / ${q.available_secondary}`),
      el("td", { class: "num" }, number(s.offered)),
      el("td", { class: "num" }, number(s.answered)),
      el("td", { class: "num" }, number(s.abandoned)),
      el("td", { class: "num" }, s.service_level === null || s.service_level === undefined ? "—" : percent(s.service_level)));
  }));
}

function renderWaiting() {
  const calls = board.queues.flatMap((q) => q.calls.map((c) => ({ ...c, queue: q.name })));
  if (!calls.length) {
    $("waiting").replaceChildren(el("tr", {}, el("td", { colspan: 5, class: "empty" }, t("wall.waiting.none"))));
    return;
  }
  const ready = board.agents.filter((a) => a.state === "ready");
  $("waiting").replaceChildren(...calls.map((c) => {
    const select = el("select", { "aria-label": t("wall.agent") },
      ...ready.map((a) => el("option", { value: a.agent_id }, `${a.agent_id} ${a.name}`)));
    return el("tr", { dataset: { call: c.call_id } },
      el("td", {}, c.queue),
      el("td", {}, c.caller || t("wall.waiting.withheld")),
      el("td", { class: "num timer" }, duration(waitNow(c.wait))),
      el("td", { class: "num" }, c.priority),
      el("td", {}, ready.length
        ? el("span", { class: "row" }, select, el("button", { type: "button", onclick: () => assign(c.call_id, select.value) }, t("wall.waiting.assign")))
        : el("span", { class: "muted" }, t("wall.waiting.nobody_ready"))));
  }));
}

function renderAgents() {
  const agents = [...board.agents].sort((a, b) =>
    STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || a.agent_id.localeCompare(b.agent_id));
  $("agents").replaceChildren(...agents.map((a) => {
    const force = el("select", { "aria-label": t("wall.agents.force_state") },
      ...["ready", "paused", "logged_out"].map((state) => el("option", { value: state }, t(`state.${state}`))));
    return el("div", { class: `agent-card state-${a.state}`, dataset: { agent: a.agent_id, state: a.state } },
      el("div", { class: "row card-head" },
        el("span", { class: "name" }, `${a.name || a.agent_id}`),
        el("span", { class: "muted" }, a.agent_id)),
      el("div", { class: "row" },
        el("span", { class: `badge state-${a.state}` }, t(`state.${a.state}`)),
        el("span", { class: "timer", dataset: { since: a.start ?? "" } }, duration(elapsedFrom(a.start))),
        a.state === "paused" && a.reason ? el("span", { class: "muted" }, label("pause", a.reason)) : null),
      el("div", { class: "muted figures" }, t("wall.agents.figures", {
        calls: number(a.calls_today),
        cases: a.case_capacity === null ? number(a.open_cases) : `${number(a.open_cases)}/${number(a.case_capacity)}`,
      })),
      el("div", { class: "row" }, force,
        el("button", { type: "button", onclick: () => forceState(a.agent_id, force.value) }, t("wall.agents.force"))));
  }));
  const chosen = $("message-agent").value;
  $("message-agent").replaceChildren(...board.agents.map((a) => el("option", { value: a.agent_id }, `${a.agent_id} ${a.name}`)));
  if (chosen) $("message-agent").value = chosen;
}

async function forceState(agentId, state) {
  $("agent-error").textContent = "";
  try {
    await api("POST", `/api/v1/agents/${encodeURIComponent(agentId)}/force`, { state, reason: "supervisor" });
    reloadSoon();
  } catch (error) {
    $("agent-error").textContent = `${agentId}: ${problemText(error)}`;
  }
}

async function assign(callId, agentId) {
  $("assign-error").textContent = "";
  try {
    await api("POST", `/api/v1/calls/${encodeURIComponent(callId)}/assign`, { agent: agentId });
    reloadSoon();
  } catch (error) {
    $("assign-error").textContent = problemText(error);
  }
}

async function sendMessage(event) {
  event.preventDefault();
  $("message-error").textContent = "";
  $("message-status").textContent = "";
  const agentId = $("message-agent").value;
  try {
    await api("POST", `/api/v1/agents/${encodeURIComponent(agentId)}/notifications`, {
      title: $("message-title").value.trim(),
    });
    $("message-status").textContent = t("wall.message.sent", { agent: agentId });
    $("message-title").value = "";
  } catch (error) {
    $("message-error").textContent = problemText(error);
  }
}

// Timers count up between reloads without asking the server.
function tick() {
  $("clock").textContent = clock();
  for (const node of document.querySelectorAll("[data-since]")) {
    const start = node.dataset.since === "" ? null : Number(node.dataset.since);
    node.textContent = duration(elapsedFrom(start));
  }
  const rows = $("waiting").querySelectorAll("tr[data-call]");
  const calls = board.queues.flatMap((q) => q.calls);
  rows.forEach((row) => {
    const call = calls.find((c) => c.call_id === row.dataset.call);
    if (call) row.children[2].textContent = duration(waitNow(call.wait));
  });
  renderSummary();
  for (const row of $("queues").querySelectorAll("tr[data-queue]")) {
    const q = board.queues.find((x) => x.name === row.dataset.queue);
    if (q) row.children[2].textContent = q.calls.length ? duration(waitNow(q.longest_wait)) : "—";
  }
}

await startI18n({ signedIn: true });
$("message-form").addEventListener("submit", sendMessage);
wirePeriod();
$("sign-out").addEventListener("click", () => signOut());
currentSession().then((me) => {
  if (me.role === "agent") {
    window.location.assign(homeOf(me.role));
    return;
  }
  $("who").textContent = t("wall.who", { login: me.login, role: t(`role.${me.role}`) });
  connectLive("/api/v1/ws", {
    onOpen: async () => { await loadLive(); await loadFigures(); },
    onMessage: (event) => {
      reloadSoon();
      if (event.type === "call.ended") figuresAfterCall();
    },
    onStatus: (up) => $("link").classList.toggle("up", up),
  });
  tick();
  setInterval(tick, 1000);
  setInterval(loadFigures, 60000);
});
