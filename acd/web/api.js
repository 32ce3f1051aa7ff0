// Shared by the agent desktop and the wallboard: HTTP calls, the live socket, DOM helpers.
import { has, t } from "/static/i18n.js";

export class ApiError extends Error {
  constructor(problem) {
    super(problem.detail || problem.title || t("app.request_failed"));
    this.problem = problem;
    this.code = problem.code;
  }
}

// Who is signed in ({login, role, agent_id, csrf_token}), once loaded by currentSession().
const session = { current: null };

// What to tell the user of a failure: the catalogue's words for the problem's code when
// it has them, else the server's own.
export function problemText(error) {
  return error.code && has(`problem.${error.code}`) ? t(`problem.${error.code}`) : error.message;
}

export async function api(method, path, body) {
  const options = { method, headers: {}, credentials: "same-origin" };
  if (method !== "GET" && session.current?.csrf_token) {
    options.headers["X-CSRF-Token"] = session.current.csrf_token;
  }
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (response.status === 401 && path !== "/api/v1/session") {
    goToSignIn();
  }
  if (!response.ok) {
    throw new ApiError(typeof data === "object" ? data : { detail: data, status: response.status });
  }
  return data;
}

export function goToSignIn() {
  const next = window.location.pathname;
  window.location.assign(`/signin?next=${encodeURIComponent(next)}`);
}

// The signed-in user, or a trip to the sign-in page when nobody is.
export async function currentSession() {
  try {
    session.current = await api("GET", "/api/v1/session");
  } catch (error) {
    if (error.code !== "unauthenticated") throw error;
    goToSignIn();
    return new Promise(() => {}); // the page is leaving
  }
  return session.current;
}

export async function signOut() {
  try {
    await api("DELETE", "/api/v1/session");
  } finally {
    session.current = null;
    window.location.assign("/signin");
  }
}

// Where each role starts.
export function homeOf(role) {
  return role === "agent" ? "/desk" : "/wallboard";
}

// A WebSocket that reconnects; `onOpen` runs after every (re)connection so the page can
// reload its state and never miss what happened while it was away.
export function connectLive(path, { onMessage, onOpen, onStatus }) {
  let delay = 500;
  let socket = null;
  let stopped = false;
  const open = () => {
    const url = new URL(path, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      delay = 500;
      onStatus?.(true);
      onOpen?.();
    });
    socket.addEventListener("message", (message) => {
      onMessage(JSON.parse(message.data));
    });
    socket.addEventListener("close", () => {
      onStatus?.(false);
      if (!stopped) setTimeout(open, delay);
      delay = Math.min(delay * 2, 10000);
    });
  };
  open();
  return { close: () => { stopped = true; socket?.close(); } };
}

// call.ended is published as the call's row is queued for the journal, which writes its
// batches within a quarter second (acd/telephony/journal.py): figures read from the
// journal are asked for a second later, once for a burst of ended calls.
const JOURNAL_LAG_MS = 1000;
export function afterJournal(load) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      load();
    }, JOURNAL_LAG_MS);
  };
}

// el("div", {class: "x", onclick: f}, "text", child) — text is never parsed as HTML.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// A stopwatch reading (mm:ss or h:mm:ss), written the same in French and English.
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

// A clock that counts up from a number of seconds the server gave, without asking again.
export function since(seconds) {
  return seconds === null || seconds === undefined ? null : Date.now() - seconds * 1000;
}

export function elapsedFrom(start) {
  return start === null ? null : (Date.now() - start) / 1000;
}
