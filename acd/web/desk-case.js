// The customer and their cases (C2, S8), the case on screen with its timeline, and what
// the agent does to it: status (S3), priority (S1), escalation (D5), follow-up notes (C1).
import { api, el, when } from "/static/api.js";
import { $, casePath, desk, emptyRow } from "/static/desk-shared.js";

export function showProfile(profile, query) {
  const box = $("customer");
  if (!profile.customer) {
    box.className = "empty";
    box.textContent = query ? `No customer found for ${query}` : "No customer linked to this case";
    $("cases").replaceChildren(emptyRow("No past cases on file"));
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
  $("cases").replaceChildren(...(rows.length ? rows : [emptyRow("No cases")]));
}

async function openCase(number) {
  desk.caseNumber = number;
  await loadCase();
}

export async function loadCase() {
  if (!desk.caseNumber) return;
  const details = await api("GET", casePath());
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
    await api("POST", casePath(`/${path}`), body);
    await loadCase();
    return true;
  } catch (error) {
    $("case-error").textContent = error.message;
    return false;
  }
}

async function search(e) {
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
}

export function wireCase() {
  $("btn-status").addEventListener("click", () => caseAction("status", { status: $("status-select").value }));
  $("btn-priority").addEventListener("click", () => caseAction("priority", { priority: $("priority-select").value }));
  $("btn-escalate").addEventListener("click", () => caseAction("escalate", {}));
  $("btn-follow-up").addEventListener("click", async () => {
    const body = $("follow-up").value.trim();
    if (!body) { $("case-error").textContent = "Write the note first"; return; }
    if (await caseAction("follow-ups", { body })) $("follow-up").value = "";
  });
  $("search-form").addEventListener("submit", search);
}
