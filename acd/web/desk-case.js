// The customer and their cases (C2, S8), the case on screen with its timeline, and what
// the agent does to it: status (S3), priority (S1), escalation (D5), follow-up notes (C1).
import { api, el, problemText } from "/static/api.js";
import { $, casePath, desk, emptyRow } from "/static/desk-shared.js";
import { t, when } from "/static/i18n.js";

export function showProfile(profile, query) {
  const box = $("customer");
  if (!profile.customer) {
    box.className = "empty";
    box.textContent = query ? t("desk.customer.not_found", { query }) : t("desk.customer.unlinked");
    $("cases").replaceChildren(emptyRow(t("desk.cases.none_on_file")));
    return;
  }
  const c = profile.customer;
  box.className = "";
  box.replaceChildren(
    el("div", { id: "customer-name", class: "customer-name" }, c.display_name),
    el("dl", { class: "facts customer-facts" },
      el("dt", {}, t("desk.customer.account")), el("dd", {}, c.account_number),
      el("dt", {}, t("desk.customer.company")), el("dd", {}, c.company || "—"),
      el("dt", {}, t("desk.customer.tier")), el("dd", {}, c.tier || "—"),
      el("dt", {}, t("desk.customer.phones")), el("dd", {}, (c.phones || []).join(", ") || "—"),
      el("dt", {}, t("desk.customer.emails")), el("dd", {}, (c.emails || []).join(", ") || "—"),
    ),
  );
  const rows = profile.cases.map((k) =>
    el("tr", {},
      el("td", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); openCase(k.number); } }, k.number)),
      el("td", {}, k.title),
      el("td", {}, t(`case.status.${k.status}`)),
      el("td", {}, t(`case.priority.${k.priority}`)),
      el("td", {}, when(k.created_at)),
    ));
  $("cases").replaceChildren(...(rows.length ? rows : [emptyRow(t("desk.cases.none"))]));
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
  $("case-status").textContent = t(`case.status.${c.status}`);
  $("case-status").dataset.status = c.status;
  const priority = t(`case.priority.${c.priority}`);
  $("case-priority").textContent = c.priority_manual ? t("desk.case.set_by_hand", { priority }) : priority;
  $("case-level").textContent = String(c.escalation_level);
  $("case-owner").textContent = c.owner_agent_id || t("desk.case.unassigned");
  $("priority-select").value = c.priority;
  const items = [
    ...details.follow_ups.map((f) => ({
      at: f.at,
      text: t("desk.timeline.follow_up", { kind: t(`follow_up.kind.${f.kind}`), author: f.author, body: f.body }),
    })),
    ...details.audit.map((a) => ({
      at: a.at,
      text: t("desk.timeline.change", { actor: a.actor, field: a.field, old: a.old_value ?? "—", new: a.new_value ?? "—" }),
    })),
    ...details.intake_answers.map((i) => ({
      at: i.answered_at,
      text: t("desk.timeline.answer", { question: i.label, answer: formatAnswer(i.value) }),
    })),
  ].sort((a, b) => (a.at < b.at ? 1 : -1));
  $("timeline").replaceChildren(...items.map((i) => el("li", {}, el("span", { class: "muted" }, when(i.at)), " ", i.text)));
}

function formatAnswer(value) {
  if (value === true) return t("desk.intake.yes");
  if (value === false) return t("desk.intake.no");
  return String(value);
}

async function caseAction(path, body) {
  $("case-error").textContent = "";
  try {
    await api("POST", casePath(`/${path}`), body);
    await loadCase();
    return true;
  } catch (error) {
    $("case-error").textContent = problemText(error);
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
    if (!profile.customer) $("search-error").textContent = t("desk.search.nothing", { query: q });
  } catch (error) {
    $("search-error").textContent = problemText(error);
  }
}

export function wireCase() {
  $("btn-status").addEventListener("click", () => caseAction("status", { status: $("status-select").value }));
  $("btn-priority").addEventListener("click", () => caseAction("priority", { priority: $("priority-select").value }));
  $("btn-escalate").addEventListener("click", () => caseAction("escalate", {}));
  $("btn-follow-up").addEventListener("click", async () => {
    const body = $("follow-up").value.trim();
    if (!body) { $("case-error").textContent = t("desk.case.note_first"); return; }
    if (await caseAction("follow-ups", { body })) $("follow-up").value = "";
  });
  $("search-form").addEventListener("submit", search);
}
