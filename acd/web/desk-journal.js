// The call journal of a number (S7): filled with the caller's number when a call
// connects, refreshed when it ends, or asked for by hand.
import { api, el, problemText } from "/static/api.js";
import { $, emptyRow } from "/static/desk-shared.js";
import { label, t, when } from "/static/i18n.js";

export async function loadJournal(number) {
  $("journal-error").textContent = "";
  try {
    const entries = await api("GET", `/api/v1/journal?number=${encodeURIComponent(number)}`);
    const rows = entries.map((e) => el("tr", {},
      el("td", {}, when(e.started_at)),
      el("td", {}, t(e.direction === "outbound" ? "desk.journal.outbound" : "desk.journal.inbound")),
      el("td", {}, e.queue || "—"),
      el("td", {}, e.agent_id || "—"),
      el("td", {}, e.outcome ? label("call.outcome", e.outcome) : (e.ended_at ? "—" : t("desk.journal.live")))));
    $("journal").replaceChildren(...(rows.length ? rows : [emptyRow(t("desk.journal.none"))]));
  } catch (error) {
    $("journal-error").textContent = problemText(error);
  }
}

// The journal of the number in the box, if there is one.
export function reloadJournal() {
  const number = $("journal-number").value.trim();
  if (number) loadJournal(number);
}

export function wireJournal() {
  $("journal-form").addEventListener("submit", (e) => {
    e.preventDefault();
    reloadJournal();
  });
}
