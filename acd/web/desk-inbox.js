// The agent's notifications (S10), with the unread count in the header, and their tasks (C1).
import { api, el } from "/static/api.js";
import { $, agentPath } from "/static/desk-shared.js";
import { t, when } from "/static/i18n.js";

export async function loadNotifications() {
  const notes = await api("GET", agentPath("/notifications"));
  $("notifications").replaceChildren(...notes.map(noteItem));
  if (!notes.length) $("notifications").append(el("li", { class: "empty" }, t("desk.notes.none")));
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
    el("div", { class: "meta" },
      [t(`notification.kind.${n.kind}`), n.sender, when(n.created_at)].filter(Boolean).join(" · ")));
  if (!n.read_at) {
    item.append(el("button", { type: "button", onclick: async () => {
      await api("POST", agentPath(`/notifications/${n.id}/read`));
      item.classList.remove("unread");
      item.querySelector("button")?.remove();
      updateUnread();
    } }, t("desk.notes.mark_read")));
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
  $("tasks").replaceChildren(...tasks.map((task) => el("li", {},
    el("div", {}, t("desk.tasks.item", { kind: t(`task.kind.${task.kind}`), title: task.title })),
    el("div", { class: "meta" }, t("desk.tasks.due", { when: when(task.due_at) })),
    el("button", { type: "button", onclick: async () => {
      await api("POST", `/api/v1/tasks/${task.id}/complete`, {});
      await loadTasks();
    } }, t("desk.tasks.done")))));
  if (!tasks.length) $("tasks").append(el("li", { class: "empty" }, t("desk.tasks.none")));
}
