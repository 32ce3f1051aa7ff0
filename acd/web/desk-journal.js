// The call journal of a number (S7): filled with the caller's number when a call
// connects, refreshed when it ends, or asked for by hand.
import { api, el, when } from "/static/api.js";
import { $, emptyRow } from "/static/desk-shared.js";

export async function loadJournal(number) {
  $("journal-error").textContent = "";
  try {
    const entries = await api("GET", `/api/v1/journal?number=${encodeURIComponent(number)}`);
    const rows = entries.map((e) => el("tr", {},
      el("td", {}, when(e.started_at)),
      el("td", {}, e.direction === "outbound" ? "out" : "in"),
      el("td", {}, e.queue || "—"),
      el("td", {}, e.agent_id || "—"),
      el("td", {}, e.outcome || (e.ended_at ? "—" : "live"))));
    $("journal").replaceChildren(...(rows.length ? rows : [emptyRow("No calls with this number")]));
  } catch (error) {
    $("journal-error").textContent = error.message;
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
