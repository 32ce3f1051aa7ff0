// The agent's notifications (S10), with the unread count in the header, and their tasks (C1).
import { api, el, when } from "/static/api.js";
import { $, agentPath } from "/static/desk-shared.js";

export async function loadNotifications() {
  const notes = await api("GET", agentPath("/notifications"));
  $("notifications").replaceChildren(...notes.map(noteItem));
  if (!notes.length) $("notifications").append(el("li", { class: "empty" }, "Nothing yet"));
  updateUnread();
}

// A notification pushed live: on top of the list.
export function addNotification(note) {
  $("notifications").querySelector(".empty")?.remove();
  $("notifications").prepend(noteItem(note));
  updateUnread();
  if (note.kind === "appointment_reminder") loadTasks();
}

function noteItem(n) {
  const item = el("li", { class: n.read_at ? "" : "unread", dataset: { id: n.id } },
    el("div", {}, n.title),
    n.body ? el("div", {}, n.body) : null,
    el("div", { class: "meta" }, `${n.kind.replaceAll("_", " ")}${n.sender ? ` · ${n.sender}` : ""} · ${when(n.created_at)}`));
  if (!n.read_at) {
    item.append(el("button", { type: "button", onclick: async () => {
      await api("POST", agentPath(`/notifications/${n.id}/read`));
      item.classList.remove("unread");
      item.querySelector("button")?.remove();
      updateUnread();
    } }, "Mark read"));
  }
  return item;
}

function updateUnread() {
  const count = $("notifications").querySelectorAll("li.unread").length;
  $("notif-count").textContent = String(count);
  $("notif-count").classList.toggle("hidden", count === 0);
}

export async function loadTasks() {
  const tasks = await api("GET", agentPath("/tasks"));
  $("tasks").replaceChildren(...tasks.map((t) => el("li", {},
    el("div", {}, `${t.kind}: ${t.title}`),
    el("div", { class: "meta" }, `due ${when(t.due_at)}`),
    el("button", { type: "button", onclick: async () => {
      await api("POST", `/api/v1/tasks/${t.id}/complete`, {});
      await loadTasks();
    } }, "Done"))));
  if (!tasks.length) $("tasks").append(el("li", { class: "empty" }, "No open tasks"));
}
