// The agent desktop: state, current call with screen pop and ticket, intake script,
// case actions, dial pad (S6), journal (S7), notifications (S10), the agent's own figures
// of today (S11). Live over /api/v1/ws.
// The agent is the signed-in user: the session names their agent id. Each part is a
// module of its own (desk-*.js); this one loads the desk and hands live events out.
import { afterJournal, api, connectLive, currentSession, homeOf, signOut } from "/static/api.js";
import { $, agentPath, desk } from "/static/desk-shared.js";
import { callConnected, callEnded, showCall, showTicket } from "/static/desk-call.js";
import { wireCase } from "/static/desk-case.js";
import { wireDialpad } from "/static/desk-dialpad.js";
import { loadMyFigures } from "/static/desk-figures.js";
import { addNotification, loadNotifications, loadTasks } from "/static/desk-inbox.js";
import { wireIntake } from "/static/desk-intake.js";
import { wireJournal } from "/static/desk-journal.js";
import { refreshAgent, showAgent, wireState } from "/static/desk-state.js";
import { startI18n } from "/static/i18n.js";

const figuresAfterCall = afterJournal(loadMyFigures);

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

// Everything on screen, from the server: on opening and after every reconnection.
async function loadDesk() {
  const state = await api("GET", agentPath("/desk"));
  showAgent(state.agent);
  if (state.call) showCall({ ...state.call, ended: false });
  if (state.ticket && (!desk.ticket || desk.ticket.case_number !== state.ticket.case_number)) {
    await showTicket(state.ticket);
  }
  await Promise.all([loadNotifications(), loadTasks(), loadMyFigures()]);
}

async function onLiveEvent(event) {
  const mine = event.agent_id === desk.agentId;
  switch (event.type) {
    case "agent.state_changed":
      if (mine) await Promise.all([refreshAgent(), loadMyFigures()]);
      break;
    case "call.connected":
      if (mine) await callConnected(event);
      break;
    case "ticket.opened":
      if (mine) await showTicket(event);
      break;
    case "call.ended":
      if (desk.call && (event.uniqueid === desk.call.call_id || mine)) callEnded();
      if (mine) figuresAfterCall();
      break;
    case "notification.created":
      addNotification(event);
      break;
    default:
      break;
  }
}

await startI18n({ signedIn: true });
wireState();
wireDialpad();
wireIntake();
wireCase();
wireJournal();
$("sign-out").addEventListener("click", () => { desk.live?.close(); signOut(); });
currentSession().then((me) => {
  if (me.role !== "agent" || !me.agent_id) {
    window.location.assign(homeOf(me.role));
    return;
  }
  openDesk(me.agent_id);
});
