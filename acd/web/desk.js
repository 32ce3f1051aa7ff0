// The agent desktop: state, current call with screen pop and ticket, intake script,
// case actions, dial pad (S6), journal (S7), notifications (S10). Live over /api/v1/ws.
// The agent is the signed-in user: the session names their agent id.
import {
  api, connectLive, currentSession, el, duration, homeOf, signOut, when, since, elapsedFrom,
  STATE_LABELS,
} from "/static/api.js";

const $ = (id) => document.getElementById(id);

const desk = {
  agentId: null,
  agent: null,
  stateStart: null,
  call: null, // {call_id, caller, queue, ivr_path, ended, start}
  ticket: null, // TicketOpened
  caseNumber: null,
  live: null,
};

// --- sign in ----------------------------------------------------------------------------

function openDesk(agentId) {
  desk.agentId = agentId;
  $("desk").classList.remove("hidden");
  desk.live?.close();
  desk.live = connectLive("/api/v1/ws", {
    onOpen: () => loadDesk(),
    onMessage: onLiveEvent,
    onStatus: (up) => $("link").classList.toggle("up", up),
  });
}

// --- what the desk shows -------------------------------------------------------------

async function loadDesk() {
  const state = await api("GET", `/api/v1/agents/${encodeURIComponent(desk.agentId)}/desk`);
  showAgent(state.agent);
  if (state.call) showCall({ ...state.call, ended: false });
  if (state.ticket && (!desk.ticket || desk.ticket.case_number !== state.ticket.case_number)) {
    await showTicket(state.ticket);
  }
  await Promise.all([loadNotifications(), loadTasks()]);
}

async function refreshAgent() {
  showAgent(await api("GET", `/api/v1/agents/${encodeURIComponent(desk.agentId)}`));
}

function showAgent(agent) {
  desk.agent = agent;
  desk.stateStart = since(agent.in_state_s);
  $("who").textContent = `${agent.name || agent.agent_id} (${agent.agent_id})`;
  const badge = $("state");
  badge.textContent = STATE_LABELS[agent.state] || agent.state;
  badge.className = `badge state-${agent.state}`;
  badge.dataset.state = agent.state;
  $("state-reason").textContent = agent.state === "paused" && agent.reason ? agent.reason : "";
  const s = agent.state;
  $("btn-ready").disabled = !["logged_out", "paused", "manual_call"].includes(s);
  $("btn-end-wrapup").disabled = s !== "wrap_up";
  $("btn-pause").disabled = ["logged_out", "paused"].includes(s);
  $("btn-manual").disabled = !["ready", "paused"].includes(s);
  $("btn-logout").disabled = ["logged_out", "on_call", "ringing"].includes(s);
  // S6: outbound calls only in the manual-call state.
  const canDial = s === "manual_call";
  for (const node of [$("dial-number"), $("btn-dial"), ...$("dialpad").querySelectorAll("button")]) {
    node.disabled = !canDial;
  }
  $("dial-hint").classList.toggle("hidden", canDial);
  tick();
}

function showCall(call) {
  const same = desk.call && desk.call.call_id === call.call_id;
  desk.call = { ...(same ? desk.call : { start: Date.now() }), ...call };
  $("no-call").classList.add("hidden");
  $("call").classList.remove("hidden");
  $("call").classList.toggle("ended", Boolean(desk.call.ended));
  $("call-phase").textContent = desk.call.ended ? "Ended" : "On call";
  $("call-phase").className = `badge ${desk.call.ended ? "state-logged_out" : "state-on_call"}`;
  $("call-caller").textContent = desk.call.caller || desk.call.dialled || "withheld";
  $("call-queue").textContent = desk.call.queue || (desk.call.direction === "outbound" ? "outbound" : "—");
  const path = desk.call.ivr_path || [];
  $("call-ivr").textContent = path.length ? path.join(" › ") : "—";
  if (desk.call.caller && !same) {
    $("journal-number").value = desk.call.caller;
    loadJournal(desk.call.caller);
  }
  tick();
}

async function showTicket(ticket) {
  desk.ticket = ticket;
  desk.caseNumber = ticket.case_number;
  $("ticket").textContent = ticket.case_number;
  $("ticket-joined").textContent = ticket.joined ? "Joined the caller's open case" : "New case";
  if (!desk.call || desk.call.call_id !== ticket.call_id) {
    const calls = await api("GET", "/api/v1/calls");
    const call = calls.find((c) => c.call_id === ticket.call_id);
    if (call) showCall({ ...call, ended: false });
  }
  renderIntake(ticket.intake);
  await Promise.all([screenPop(), loadCase()]);
}

// C2: the customer and their past cases, found from the caller's number or the case.
async function screenPop() {
  const query = desk.call?.caller || desk.caseNumber;
  if (!query) return;
  let profile = await api("GET", `/api/v1/customers?q=${encodeURIComponent(query)}`);
  if (!profile.customer && desk.caseNumber && query !== desk.caseNumber) {
    profile = await api("GET", `/api/v1/customers?q=${encodeURIComponent(desk.caseNumber)}`);
  }
  showProfile(profile, desk.call?.caller);
}

function showProfile(profile, query) {
  const box = $("customer");
  if (!profile.customer) {
    box.className = "empty";
    box.textContent = query ? `No customer found for ${query}` : "No customer linked to this case";
    $("cases").replaceChildren(el("tr", {}, el("td", { colspan: 5, class: "empty" }, "No past cases on file")));
    return;
  }
  const c = profile.customer;
  box.className = "";
  box.replaceChildren(
    el("div", { id: "customer-name", style: "font-size:17px;font-weight:600" }, c.display_name),
    el("dl", { class: "facts", style: "margin-top:6px" },
      el("dt", {}, "Account"), el("dd", {}, c.account_number),
      el("dt", {}, "Company"), el("dd", {}, c.company || "—"),
      el("dt", {}, "Tier"), el("dd", {}, c.tier || "—"),
      el("dt", {}, "Phones"), el("dd", {}, (c.phones || []).join(", ") || "—"),
      el("dt", {}, "Emails"), el("dd", {}, (c.emails || []).join(", ") || "—"),
    ),
  );
  const rows = profile.cases.map((k) =>
    el("tr", {},
      el("td", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); openCase(k.number); } }, k.number)),
      el("td", {}, k.title),
      el("td", {}, k.status.replaceAll("_", " ")),
      el("td", {}, k.priority),
      el("td", {}, when(k.created_at)),
    ));
  $("cases").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 5, class: "empty" }, "No cases"))]));
}

function clearCall() {
  desk.call = null;
  desk.ticket = null;
  $("call").classList.add("hidden");
  $("no-call").classList.remove("hidden");
  $("intake-panel").classList.add("hidden");
}

// --- intake script (D4) -------------------------------------------------------------

const YES = new Set(["yes", "y", "true", "1", "oui", "o"]);
const NO = new Set(["no", "n", "false", "0", "non"]);

function asBool(value) {
  if (typeof value === "boolean") return value;
  const text = String(value).trim().toLowerCase();
  if (YES.has(text)) return true;
  if (NO.has(text)) return false;
  return null;
}

// The same comparison as the server's crm.intake.Condition.
function same(answer, expected) {
  if (typeof answer === "boolean" || typeof expected === "boolean") return asBool(answer) === asBool(expected);
  if (typeof expected === "number" && answer !== "" && !Number.isNaN(Number(answer))) return Number(answer) === expected;
  return String(answer) === String(expected);
}

function holds(condition, answers) {
  if (!condition) return true;
  if (!(condition.question in answers)) return false;
  const value = answers[condition.question];
  // Pydantic dumps the `in` test as `in_`.
  const among = condition.in_ ?? condition.in;
  if (among) return among.some((v) => same(value, v));
  return same(value, condition.equals);
}

function renderIntake(script) {
  const form = $("intake-form");
  $("intake-status").textContent = "";
  $("intake-error").textContent = "";
  if (!script) {
    $("intake-panel").classList.add("hidden");
    form.replaceChildren();
    return;
  }
  $("intake-panel").classList.remove("hidden");
  $("intake-title").textContent = script.title ? `Intake · ${script.title}` : "Intake";
  form.dataset.script = script.name;
  form.replaceChildren(...script.questions.map(questionField));
  form._questions = script.questions;
  applyConditions();
}

function questionField(q) {
  const name = `q-${q.id}`;
  let input;
  if (q.type === "choice") {
    input = el("select", { id: name, name: q.id },
      el("option", { value: "" }, "— choose —"),
      ...q.choices.map((c) => el("option", { value: c }, c)));
  } else if (q.type === "yes_no") {
    input = el("div", { class: "row", id: name },
      el("label", {}, el("input", { type: "radio", name: q.id, value: "yes" }), " Yes"),
      el("label", {}, el("input", { type: "radio", name: q.id, value: "no" }), " No"));
  } else if (q.type === "number") {
    input = el("input", { id: name, name: q.id, type: "number", step: "any" });
  } else if (q.type === "date") {
    input = el("input", { id: name, name: q.id, type: "date" });
  } else {
    input = el("textarea", { id: name, name: q.id, rows: 2 });
  }
  return el("label", { class: "field", dataset: { question: q.id } },
    el("span", {}, q.label, q.required ? el("span", { class: "req", title: "required" }, "*") : null),
    input);
}

function rawAnswer(q) {
  const form = $("intake-form");
  if (q.type === "yes_no") {
    const checked = form.querySelector(`input[name="${q.id}"]:checked`);
    return checked ? checked.value === "yes" : null;
  }
  const value = form.querySelector(`[name="${q.id}"]`).value.trim();
  return value === "" ? null : value;
}

// Answers of the questions asked, in order; a question whose `when` fails is hidden.
function applyConditions() {
  const form = $("intake-form");
  const answers = {};
  for (const q of form._questions || []) {
    const field = form.querySelector(`[data-question="${q.id}"]`);
    const asked = holds(q.when, answers);
    field.classList.toggle("hidden", !asked);
    if (!asked) continue;
    const value = rawAnswer(q);
    if (value !== null) answers[q.id] = value;
  }
  return answers;
}

async function saveIntake() {
  const form = $("intake-form");
  const answers = applyConditions();
  form.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
  $("intake-error").textContent = "";
  $("intake-status").textContent = "";
  const missing = (form._questions || []).filter((q) =>
    q.required && !form.querySelector(`[data-question="${q.id}"]`).classList.contains("hidden") && !(q.id in answers));
  if (missing.length) {
    missing.forEach((q) => form.querySelector(`[data-question="${q.id}"]`).classList.add("invalid"));
    $("intake-error").textContent = `Required: ${missing.map((q) => q.label).join(", ")}`;
    return;
  }
  try {
    await api("POST", `/api/v1/cases/${encodeURIComponent(desk.caseNumber)}/intake`, {
      answers, call_id: desk.ticket?.call_id, script: form.dataset.script,
    });
    $("intake-status").textContent = "Answers saved ✓";
    await loadCase();
  } catch (error) {
    const question = error.problem?.question;
    if (question) form.querySelector(`[data-question="${question}"]`)?.classList.add("invalid");
    $("intake-error").textContent = error.message;
  }
}

// --- case -----------------------------------------------------------------------------

async function openCase(number) {
  desk.caseNumber = number;
  await loadCase();
}

async function loadCase() {
  if (!desk.caseNumber) return;
  const details = await api("GET", `/api/v1/cases/${encodeURIComponent(desk.caseNumber)}`);
  const c = details.case;
  $("case-panel").classList.remove("hidden");
  $("case-number").textContent = c.number;
  $("case-status").textContent = c.status.replaceAll("_", " ");
  $("case-status").dataset.status = c.status;
  $("case-priority").textContent = c.priority + (c.priority_manual ? " (set by hand)" : "");
  $("case-level").textContent = String(c.escalation_level);
  $("case-owner").textContent = c.owner_agent_id || "unassigned";
  $("priority-select").value = c.priority;
  const items = [
    ...details.follow_ups.map((f) => ({ at: f.at, text: `${f.kind} by ${f.author}: ${f.body}` })),
    ...details.audit.map((a) => ({ at: a.at, text: `${a.actor}: ${a.field} ${a.old_value ?? "—"} → ${a.new_value ?? "—"}` })),
    ...details.intake_answers.map((i) => ({ at: i.answered_at, text: `${i.label} ${formatAnswer(i.value)}` })),
  ].sort((a, b) => (a.at < b.at ? 1 : -1));
  $("timeline").replaceChildren(...items.map((i) => el("li", {}, el("span", { class: "muted" }, when(i.at)), " ", i.text)));
}

function formatAnswer(value) {
  if (value === true) return "yes";
  if (value === false) return "no";
  return String(value);
}

async function caseAction(path, body) {
  $("case-error").textContent = "";
  try {
    await api("POST", `/api/v1/cases/${encodeURIComponent(desk.caseNumber)}/${path}`, body);
    await loadCase();
    return true;
  } catch (error) {
    $("case-error").textContent = error.message;
    return false;
  }
}

// --- state ----------------------------------------------------------------------------

async function setState(state, reason) {
  $("state-error").textContent = "";
  try {
    showAgent(await api("POST", `/api/v1/agents/${encodeURIComponent(desk.agentId)}/state`, { state, reason }));
  } catch (error) {
    $("state-error").textContent = error.message;
  }
}

// --- dial pad (S6) ----------------------------------------------------------------------

function buildDialpad() {
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];
  $("dialpad").replaceChildren(...keys.map((k) =>
    el("button", { type: "button", onclick: () => { $("dial-number").value += k; } }, k)));
}

async function dial() {
  $("dial-error").textContent = "";
  const number = $("dial-number").value.trim();
  if (!number) {
    $("dial-error").textContent = "Enter a number first";
    return;
  }
  try {
    const placed = await api("POST", `/api/v1/agents/${encodeURIComponent(desk.agentId)}/calls`, { number });
    $("dial-status").textContent = `Calling ${number}…`;
    showCall({ call_id: placed.call_id, direction: "outbound", dialled: number, caller: number, ivr_path: [], ended: false });
  } catch (error) {
    $("dial-error").textContent = error.message;
  }
}

// --- journal, notifications, tasks --------------------------------------------------------

async function loadJournal(number) {
  $("journal-error").textContent = "";
  try {
    const entries = await api("GET", `/api/v1/journal?number=${encodeURIComponent(number)}`);
    const rows = entries.map((e) => el("tr", {},
      el("td", {}, when(e.started_at)),
      el("td", {}, e.direction === "outbound" ? "out" : "in"),
      el("td", {}, e.queue || "—"),
      el("td", {}, e.agent_id || "—"),
      el("td", {}, e.outcome || (e.ended_at ? "—" : "live"))));
    $("journal").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 5, class: "empty" }, "No calls with this number"))]));
  } catch (error) {
    $("journal-error").textContent = error.message;
  }
}

async function loadNotifications() {
  const notes = await api("GET", `/api/v1/agents/${encodeURIComponent(desk.agentId)}/notifications`);
  $("notifications").replaceChildren(...notes.map(noteItem));
  if (!notes.length) $("notifications").append(el("li", { class: "empty" }, "Nothing yet"));
  updateUnread();
}

function noteItem(n) {
  const item = el("li", { class: n.read_at ? "" : "unread", dataset: { id: n.id } },
    el("div", {}, n.title),
    n.body ? el("div", {}, n.body) : null,
    el("div", { class: "meta" }, `${n.kind.replaceAll("_", " ")}${n.sender ? ` · ${n.sender}` : ""} · ${when(n.created_at)}`));
  if (!n.read_at) {
    item.append(el("button", { type: "button", onclick: async () => {
      await api("POST", `/api/v1/agents/${encodeURIComponent(desk.agentId)}/notifications/${n.id}/read`);
      item.classList.remove("unread");
      item.querySelector("button")?.remove();
      updateUnread();
    } }, "Mark read"));
  }
  return item;
}

function updateUnread() {
  const count = $("notifications").querySelectorAll("li.unread").length;
  $("notif-count").textContent = String(count);
  $("notif-count").classList.toggle("hidden", count === 0);
}

async function loadTasks() {
  const tasks = await api("GET", `/api/v1/agents/${encodeURIComponent(desk.agentId)}/tasks`);
  $("tasks").replaceChildren(...tasks.map((t) => el("li", {},
    el("div", {}, `${t.kind}: ${t.title}`),
    el("div", { class: "meta" }, `due ${when(t.due_at)}`),
    el("button", { type: "button", onclick: async () => {
      await api("POST", `/api/v1/tasks/${t.id}/complete`, {});
      await loadTasks();
    } }, "Done"))));
  if (!tasks.length) $("tasks").append(el("li", { class: "empty" }, "No open tasks"));
}

// --- live events ---------------------------------------------------------------------------

async function onLiveEvent(event) {
  switch (event.type) {
    case "AgentStateEvent":
      if (event.agent_id === desk.agentId) await refreshAgent();
      break;
    case "CallConnected":
      if (event.agent_id === desk.agentId) {
        showCall({ call_id: event.call_id, caller: event.caller_number, queue: event.queue, ended: false });
        const calls = await api("GET", "/api/v1/calls");
        const call = calls.find((c) => c.call_id === event.call_id);
        if (call) showCall({ ...call, ended: false });
      }
      break;
    case "TicketOpened":
      if (event.agent_id === desk.agentId) await showTicket(event);
      break;
    case "CallEnded":
      if (desk.call && (event.uniqueid === desk.call.call_id || event.agent_id === desk.agentId)) {
        showCall({ ...desk.call, ended: true });
        $("dial-status").textContent = "";
        const number = $("journal-number").value.trim();
        if (number) loadJournal(number);
      }
      break;
    case "Notification":
      $("notifications").querySelector(".empty")?.remove();
      $("notifications").prepend(noteItem(event));
      updateUnread();
      if (event.kind === "appointment_reminder") loadTasks();
      break;
    default:
      break;
  }
}

function tick() {
  $("state-time").textContent = desk.agent ? duration(elapsedFrom(desk.stateStart)) : "";
  if (desk.call && !desk.call.ended) $("call-time").textContent = duration((Date.now() - desk.call.start) / 1000);
}

// --- wiring ---------------------------------------------------------------------------------

function wire() {
  buildDialpad();
  $("sign-out").addEventListener("click", () => { desk.live?.close(); signOut(); });
  $("btn-ready").addEventListener("click", () => setState("ready"));
  $("btn-end-wrapup").addEventListener("click", () => setState("ready"));
  $("btn-pause").addEventListener("click", () => setState("paused", $("pause-reason").value));
  $("btn-manual").addEventListener("click", () => setState("manual_call"));
  $("btn-logout").addEventListener("click", () => setState("logged_out"));
  $("btn-dial").addEventListener("click", dial);
  $("btn-dial-clear").addEventListener("click", () => { $("dial-number").value = ""; });
  for (const kind of ["input", "change"]) {
    $("intake-form").addEventListener(kind, (e) => {
      e.target.closest(".field")?.classList.remove("invalid");
      if (!$("intake-form").querySelector(".invalid")) $("intake-error").textContent = "";
      applyConditions();
    });
  }
  $("btn-intake-save").addEventListener("click", saveIntake);
  $("btn-status").addEventListener("click", () => caseAction("status", { status: $("status-select").value }));
  $("btn-priority").addEventListener("click", () => caseAction("priority", { priority: $("priority-select").value }));
  $("btn-escalate").addEventListener("click", () => caseAction("escalate", {}));
  $("btn-follow-up").addEventListener("click", async () => {
    const body = $("follow-up").value.trim();
    if (!body) { $("case-error").textContent = "Write the note first"; return; }
    if (await caseAction("follow-ups", { body })) $("follow-up").value = "";
  });
  $("search-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("search-error").textContent = "";
    const q = $("search-q").value.trim();
    if (!q) return;
    try {
      const profile = await api("GET", `/api/v1/customers?q=${encodeURIComponent(q)}`);
      showProfile(profile, q);
      if (!profile.customer) $("search-error").textContent = `Nothing found for ${q}`;
    } catch (error) {
      $("search-error").textContent = error.message;
    }
  });
  $("journal-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const number = $("journal-number").value.trim();
    if (number) loadJournal(number);
  });
  setInterval(tick, 1000);
}

wire();
currentSession().then((me) => {
  if (me.role !== "agent" || !me.agent_id) {
    window.location.assign(homeOf(me.role));
    return;
  }
  openDesk(me.agent_id);
});
