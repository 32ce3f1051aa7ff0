// The agent's state: the badge with its time in state, the state buttons, and which
// controls the state allows (S6: dialling only in manual call).
import { api, duration, elapsedFrom, problemText, since } from "/static/api.js";
import { $, agentPath, desk } from "/static/desk-shared.js";
import { label, t } from "/static/i18n.js";

export async function refreshAgent() {
  showAgent(await api("GET", agentPath()));
}

export function showAgent(agent) {
  desk.agent = agent;
  desk.stateStart = since(agent.in_state_s);
  $("who").textContent = t("desk.who", { name: agent.name || agent.agent_id, agent: agent.agent_id });
  const badge = $("state");
  badge.textContent = t(`state.${agent.state}`);
  badge.className = `badge state-${agent.state}`;
  badge.dataset.state = agent.state;
  $("state-reason").textContent = agent.state === "paused" && agent.reason ? label("pause", agent.reason) : "";
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

async function setState(state, reason) {
  $("state-error").textContent = "";
  try {
    showAgent(await api("POST", agentPath("/state"), { state, reason }));
  } catch (error) {
    $("state-error").textContent = problemText(error);
  }
}

// The clocks: time in state and, during a call, the call's time.
export function tick() {
  $("state-time").textContent = desk.agent ? duration(elapsedFrom(desk.stateStart)) : "";
  if (desk.call && !desk.call.ended) $("call-time").textContent = duration((Date.now() - desk.call.start) / 1000);
}

export function wireState() {
  $("btn-ready").addEventListener("click", () => setState("ready"));
  $("btn-end-wrapup").addEventListener("click", () => setState("ready"));
  $("btn-pause").addEventListener("click", () => setState("paused", $("pause-reason").value));
  $("btn-manual").addEventListener("click", () => setState("manual_call"));
  $("btn-logout").addEventListener("click", () => setState("logged_out"));
  setInterval(tick, 1000);
}
