// The page of the links in our mails to customers: /confirm/<token> confirms that a case
// is resolved (D7), /survey/<token> answers the satisfaction survey (Q4). No sign-in: the
// token in the path is the credential.
import { api, problemText } from "/static/api.js";
import { startI18n, t } from "/static/i18n.js";

const $ = (id) => document.getElementById(id);
const [, purpose, token] = window.location.pathname.split("/");

function finished(text) {
  $("confirm-form").hidden = true;
  $("survey-form").hidden = true;
  $("done").textContent = text;
}

async function send(path, body, doneText) {
  $("failure").textContent = "";
  try {
    await api("POST", path, body);
    finished(doneText);
  } catch (error) {
    $("failure").textContent = problemText(error);
  }
}

$("confirm-form").addEventListener("submit", (event) => {
  event.preventDefault();
  send("/api/v1/links/confirm", { token }, t("customer.confirmed"));
});

$("survey-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const score = Number(new FormData($("survey-form")).get("score"));
  const comment = $("comment").value;
  send("/api/v1/links/survey", { token, score, comment }, t("customer.thanks"));
});

await startI18n();
try {
  const found = await api("GET", `/api/v1/links/${purpose}/${token}`);
  $("case-heading").textContent = t("customer.case", { number: found.case_number });
  $("case-title").textContent = found.title;
  if (purpose === "confirm" && found.status === "closed") {
    finished(t("customer.confirmed"));
  } else {
    $(purpose === "confirm" ? "confirm-form" : "survey-form").hidden = false;
  }
} catch (error) {
  $("failure").textContent = problemText(error);
}
