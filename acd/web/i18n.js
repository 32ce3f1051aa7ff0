// The pages' words in the user's language. Each language has a catalogue,
// /i18n/<language>.json: {key: text with {placeholders}}. The language is the user's
// choice on the page (kept in localStorage), else the signed-in user's own (their
// session's), else the centre's default that the page comes in (<html lang>).
// Elements name their key in data-i18n (text), data-i18n-placeholder, data-i18n-title or
// data-i18n-aria-label; scripts call t("key", {placeholder: value}). A key missing from
// the catalogue is logged as a console error, so the browser tests see it.

// The same languages as the catalogues in /i18n/ and the server's `default_language`.
export const LANGUAGES = ["fr", "en"];
const STORED = "aiguilleur.language";
// data-i18n-<attribute> names the key of that attribute; dataset spells it in camelCase.
const ATTRIBUTES = [["placeholder", "i18nPlaceholder"], ["title", "i18nTitle"], ["aria-label", "i18nAriaLabel"]];

const current = { language: "fr", messages: {} };

export function language() {
  return current.language;
}

export function has(key) {
  return Object.hasOwn(current.messages, key);
}

export function t(key, params = {}) {
  if (!has(key)) {
    console.error(`missing catalogue key: ${key} (${current.language})`);
    return key;
  }
  return current.messages[key].replace(/\{(\w+)\}/g, (whole, name) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole);
}

// The label of a value from a set the server may grow (pause reasons, call outcomes):
// the catalogue's when it has one, else the value itself.
export function label(prefix, value) {
  return has(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : value;
}

export function translate(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const [attribute, key] of ATTRIBUTES) {
    for (const node of root.querySelectorAll(`[data-i18n-${attribute}]`)) {
      node.setAttribute(attribute, t(node.dataset[key]));
    }
  }
}

// The signed-in user's own language, or null (none set, or nobody signed in).
async function sessionLanguage() {
  try {
    const response = await fetch("/api/v1/session", { credentials: "same-origin" });
    return response.ok ? (await response.json()).language : null;
  } catch {
    return null;
  }
}

async function chosenLanguage(signedIn) {
  const stored = localStorage.getItem(STORED);
  if (LANGUAGES.includes(stored)) return stored;
  const own = signedIn ? await sessionLanguage() : null;
  if (LANGUAGES.includes(own)) return own;
  const given = document.documentElement.lang;
  return LANGUAGES.includes(given) ? given : LANGUAGES[0];
}

// The language picker in the header: the page is loaded again in the chosen language,
// which redraws everything from the server as a reconnection does.
function wirePicker() {
  const picker = document.getElementById("language");
  if (!picker) return;
  picker.replaceChildren(...LANGUAGES.map((code) => {
    const option = document.createElement("option");
    option.value = code;
    option.lang = code;
    option.textContent = t(`language.name.${code}`);
    return option;
  }));
  picker.value = current.language;
  picker.addEventListener("change", () => {
    localStorage.setItem(STORED, picker.value);
    window.location.reload();
  });
}

// Loads the catalogue, translates the page and shows it (it stays hidden until then).
// `signedIn`: a page behind sign-in, whose user may have a language of their own.
export async function startI18n({ signedIn = false } = {}) {
  current.language = await chosenLanguage(signedIn);
  try {
    const response = await fetch(`/i18n/${current.language}.json`, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    current.messages = await response.json();
  } catch (error) {
    console.error(`catalogue ${current.language} not loaded: ${error.message}`);
  }
  document.documentElement.lang = current.language;
  translate();
  wirePicker();
  document.documentElement.classList.add("translated");
}

// Dates, times and numbers, as the language writes them.
export function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  const time = date.toLocaleTimeString(current.language, { hour: "2-digit", minute: "2-digit" });
  if (date.toDateString() === new Date().toDateString()) return time;
  return `${date.toLocaleDateString(current.language)} ${time}`;
}

export function clock(date = new Date()) {
  return date.toLocaleTimeString(current.language);
}

export function percent(ratio) {
  return new Intl.NumberFormat(current.language, { style: "percent" }).format(ratio);
}

export function number(value) {
  return new Intl.NumberFormat(current.language).format(value);
}
