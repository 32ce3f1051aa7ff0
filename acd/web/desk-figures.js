// The agent's own figures for today (S11's stats console): calls answered and placed,
// average handle time and time per state, from /api/v1/stats/agents (an agent gets their
// own row only). Loaded with the desk and again after each call and state change.
import { api, duration, el, problemText } from "/static/api.js";
import { $ } from "/static/desk-shared.js";
import { number, percent, t } from "/static/i18n.js";

const STATES = ["ready", "ringing", "on_call", "wrap_up", "manual_call", "paused"];
const NOBODY = { answered: 0, outbound: 0, aht_s: null, occupancy: null, time_in_states: {} };

export async function loadMyFigures() {
  $("figures-error").textContent = "";
  try {
    // Today so far: time in state is counted to the period's end, which is now.
    const answer = await api("GET", `/api/v1/stats/agents?to=${encodeURIComponent(new Date().toISOString())}`);
    const mine = answer.agents[0] || NOBODY;
    $("my-answered").textContent = number(mine.answered);
    $("my-outbound").textContent = number(mine.outbound);
    $("my-aht").textContent = mine.aht_s === null ? "—" : duration(mine.aht_s);
    $("my-occupancy").textContent = mine.occupancy === null ? "—" : percent(mine.occupancy);
    $("my-states").replaceChildren(...STATES.map((state) => el("tr", { dataset: { state } },
      el("td", {}, t(`state.${state}`)),
      el("td", { class: "num timer" }, duration(mine.time_in_states[state] || 0)))));
  } catch (error) {
    $("figures-error").textContent = problemText(error);
  }
}
