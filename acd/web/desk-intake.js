// The intake form (D4): the queue's script, one field a question. Which questions are
// asked is the server's to say from the answers so far (POST /api/v1/intake/{queue}/asked),
// so the desk holds no copy of the script's conditions.
import { api, el, problemText } from "/static/api.js";
import { $, casePath, desk } from "/static/desk-shared.js";
import { loadCase } from "/static/desk-case.js";
import { t } from "/static/i18n.js";

let script = null;
let asking = 0; // only the latest answer about what is asked is shown

export function renderIntake(shown) {
  script = shown || null;
  const form = $("intake-form");
  $("intake-status").textContent = "";
  $("intake-error").textContent = "";
  if (!script) {
    $("intake-panel").classList.add("hidden");
    form.replaceChildren();
    return;
  }
  $("intake-panel").classList.remove("hidden");
  $("intake-title").textContent = script.title ? t("desk.intake.titled", { title: script.title }) : t("desk.intake.heading");
  form.dataset.script = script.name;
  form.replaceChildren(...script.questions.map(questionField));
  askAgain();
}

function questionField(q) {
  const name = `q-${q.id}`;
  let input;
  if (q.type === "choice") {
    input = el("select", { id: name, name: q.id },
      el("option", { value: "" }, t("desk.intake.choose")),
      ...q.choices.map((c) => el("option", { value: c }, c)));
  } else if (q.type === "yes_no") {
    input = el("div", { class: "row", id: name },
      el("label", {}, el("input", { type: "radio", name: q.id, value: "yes" }), " ", t("desk.intake.yes")),
      el("label", {}, el("input", { type: "radio", name: q.id, value: "no" }), " ", t("desk.intake.no")));
  } else if (q.type === "number") {
    input = el("input", { id: name, name: q.id, type: "number", step: "any" });
  } else if (q.type === "date") {
    input = el("input", { id: name, name: q.id, type: "date" });
  } else {
    input = el("textarea", { id: name, name: q.id, rows: 2 });
  }
  // Hidden until the server says the question is asked.
  return el("label", { class: "field hidden", dataset: { question: q.id } },
    el("span", {}, q.label, q.required ? el("span", { class: "req", title: t("desk.intake.required") }, "*") : null),
    input);
}

const field = (id) => $("intake-form").querySelector(`[data-question="${id}"]`);

function rawAnswer(q) {
  const form = $("intake-form");
  if (q.type === "yes_no") {
    const checked = form.querySelector(`input[name="${q.id}"]:checked`);
    return checked ? checked.value === "yes" : null;
  }
  const value = form.querySelector(`[name="${q.id}"]`).value.trim();
  return value === "" ? null : value;
}

// What the form holds, asked or not: {question id: answer}.
function formAnswers() {
  const answers = {};
  for (const q of script.questions) {
    const value = rawAnswer(q);
    if (value !== null) answers[q.id] = value;
  }
  return answers;
}

// {asked, missing, answers}: the questions asked, the required ones among them still
// unanswered, and the answers to the questions asked. The fields follow unless a later
// change has asked again in the meantime.
async function showAsked() {
  const turn = ++asking;
  const answers = formAnswers();
  const { asked, missing } = await api("POST", `/api/v1/intake/${encodeURIComponent(script.name)}/asked`, { answers });
  if (turn === asking) {
    for (const q of script.questions) field(q.id).classList.toggle("hidden", !asked.includes(q.id));
  }
  return { asked, missing, answers: Object.fromEntries(asked.filter((id) => id in answers).map((id) => [id, answers[id]])) };
}

async function saveIntake() {
  const form = $("intake-form");
  form.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
  $("intake-error").textContent = "";
  $("intake-status").textContent = "";
  try {
    const { missing, answers } = await showAsked();
    if (missing.length) {
      missing.forEach((id) => field(id).classList.add("invalid"));
      const labels = script.questions.filter((q) => missing.includes(q.id)).map((q) => q.label);
      $("intake-error").textContent = t("desk.intake.missing", { questions: labels.join(", ") });
      return;
    }
    await api("POST", casePath("/intake"), { answers, call_id: desk.ticket?.call_id, script: script.name });
    $("intake-status").textContent = t("desk.intake.saved");
    await loadCase();
  } catch (error) {
    const question = error.problem?.question;
    if (question) field(question)?.classList.add("invalid");
    $("intake-error").textContent = problemText(error);
  }
}

function askAgain() {
  showAsked().catch((error) => { $("intake-error").textContent = problemText(error); });
}

export function wireIntake() {
  const form = $("intake-form");
  form.addEventListener("input", (e) => {
    e.target.closest(".field")?.classList.remove("invalid");
    if (!form.querySelector(".invalid")) $("intake-error").textContent = "";
  });
  // A choice or a yes/no changes at once, a text when the agent leaves the field; saving
  // asks again in any case.
  form.addEventListener("change", askAgain);
  $("btn-intake-save").addEventListener("click", saveIntake);
}
