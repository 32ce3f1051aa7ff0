// The dial pad (S6): enabled in manual call only (see desk-state.js); a placed call shows
// as the current call.
import { api, el, problemText } from "/static/api.js";
import { $, agentPath } from "/static/desk-shared.js";
import { showCall } from "/static/desk-call.js";
import { t } from "/static/i18n.js";

async function dial() {
  $("dial-error").textContent = "";
  const number = $("dial-number").value.trim();
  if (!number) {
    $("dial-error").textContent = t("desk.dial.enter_number");
    return;
  }
  try {
    const placed = await api("POST", agentPath("/calls"), { number });
    $("dial-status").textContent = t("desk.dial.calling", { number });
    showCall({ call_id: placed.call_id, direction: "outbound", dialled: number, caller: number, ivr_path: [], ended: false });
  } catch (error) {
    $("dial-error").textContent = problemText(error);
  }
}

export function wireDialpad() {
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];
  $("dialpad").replaceChildren(...keys.map((k) =>
    el("button", { type: "button", onclick: () => { $("dial-number").value += k; } }, k)));
  $("btn-dial").addEventListener("click", dial);
  $("btn-dial-clear").addEventListener("click", () => { $("dial-number").value = ""; });
}
