// What the desk's modules share: the element lookup, what is on screen, and the paths of
// the signed-in agent and of the case on screen.
import { el } from "/static/api.js";

export const $ = (id) => document.getElementById(id);

export const desk = {
  agentId: null,
  agent: null,
  stateStart: null,
  call: null, // {call_id, caller, queue, ivr_path, ended, start}
  ticket: null, // the ticket.opened event
  caseNumber: null,
  live: null,
};

// agentPath("/desk") is /api/v1/agents/<the signed-in agent>/desk.
export function agentPath(rest = "") {
  return `/api/v1/agents/${encodeURIComponent(desk.agentId)}${rest}`;
}

export function casePath(rest = "") {
  return `/api/v1/cases/${encodeURIComponent(desk.caseNumber)}${rest}`;
}

// The one row of a five-column table that has nothing to show.
export function emptyRow(text) {
  return el("tr", {}, el("td", { colspan: 5, class: "empty" }, text));
}
