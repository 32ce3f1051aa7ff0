// The current call: caller, queue, IVR path and time; the ticket number to read out with
// the queue's intake script, and the screen pop (C2) of the caller.
import { api } from "/static/api.js";
import { $, desk } from "/static/desk-shared.js";
import { loadCase, showProfile } from "/static/desk-case.js";
import { renderIntake } from "/static/desk-intake.js";
import { loadJournal, reloadJournal } from "/static/desk-journal.js";
import { tick } from "/static/desk-state.js";
import { t } from "/static/i18n.js";

export function showCall(call) {
  const same = desk.call && desk.call.call_id === call.call_id;
  desk.call = { ...(same ? desk.call : { start: Date.now() }), ...call };
  $("no-call").classList.add("hidden");
  $("call").classList.remove("hidden");
  $("call").classList.toggle("ended", Boolean(desk.call.ended));
  $("call-phase").textContent = t(desk.call.ended ? "desk.call.ended" : "state.on_call");
  $("call-phase").className = `badge ${desk.call.ended ? "state-logged_out" : "state-on_call"}`;
  $("call-caller").textContent = desk.call.caller || desk.call.dialled || t("desk.call.withheld");
  $("call-queue").textContent = desk.call.queue || (desk.call.direction === "outbound" ? t("desk.call.outbound") : "—");
  const path = desk.call.ivr_path || [];
  $("call-ivr").textContent = path.length ? path.join(" › ") : "—";
  if (desk.call.caller && !same) {
    $("journal-number").value = desk.call.caller;
    loadJournal(desk.call.caller);
  }
  tick();
}

// The live call's full record (queue, IVR path), if it is still live.
async function showLiveCall(callId) {
  const calls = await api("GET", "/api/v1/calls/live");
  const call = calls.find((c) => c.call_id === callId);
  if (call) showCall({ ...call, ended: false });
}

export async function callConnected(event) {
  showCall({ call_id: event.call_id, caller: event.caller_number, queue: event.queue, ended: false });
  await showLiveCall(event.call_id);
}

export function callEnded() {
  showCall({ ...desk.call, ended: true });
  $("dial-status").textContent = "";
  reloadJournal();
}

export async function showTicket(ticket) {
  desk.ticket = ticket;
  desk.caseNumber = ticket.case_number;
  $("ticket").textContent = ticket.case_number;
  $("ticket-joined").textContent = t(ticket.joined ? "desk.call.joined" : "desk.call.new_case");
  if (!desk.call || desk.call.call_id !== ticket.call_id) await showLiveCall(ticket.call_id);
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
