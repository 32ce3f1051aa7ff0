// The sign-in form: a session cookie for the pages, then each role's own page (an agent's
// desk, a supervisor's or admin's wallboard), or the page that sent us here.
import { api, homeOf, problemText } from "/static/api.js";
import { startI18n } from "/static/i18n.js";

const $ = (id) => document.getElementById(id);

function nextPage(role) {
  const next = new URL(window.location.href).searchParams.get("next");
  const allowed = role === "agent" ? ["/desk"] : ["/wallboard", "/desk"];
  return allowed.includes(next) ? next : homeOf(role);
}

$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("signin-error").textContent = "";
  try {
    const me = await api("POST", "/api/v1/session", {
      login: $("login").value.trim(),
      password: $("password").value,
    });
    window.location.assign(nextPage(me.role));
  } catch (error) {
    $("signin-error").textContent = problemText(error);
  }
});
await startI18n();
