// The app's languages: Korean by default, English by choice (remembered in
// localStorage). Every text a page shows comes from the dictionary,
// one file per language with the same keys (messages.ko.json, loaded with
// every page; messages.en.json, loaded only when English is chosen): pages
// mark static text with data-i18n (and data-i18n-label, -placeholder,
// -title for attributes), scripts call t(key, vars).
import KO from "./messages.ko.json" with { type: "json" };

const LANG_KEY = "illuwa_lang";
export const LANGS = ["ko", "en"];

function stored() {
  try {
    return localStorage.getItem(LANG_KEY);
  } catch {
    return null; // storage disabled: Korean
  }
}

// lang is the chosen language, "ko" unless the user picked "en".
export function lang() {
  const l = stored();
  return LANGS.includes(l) ? l : "ko";
}

// The chosen language's texts; a Korean reader never downloads English.
const CHOSEN = lang() === "en" ? (await import("./messages.en.json", { with: { type: "json" } })).default : KO;

// setLang remembers l and shows the page again in it.
export function setLang(l) {
  if (!LANGS.includes(l)) return;
  try {
    localStorage.setItem(LANG_KEY, l);
  } catch {
    // not remembered; this page still switches
  }
  location.reload();
}

// t returns the text of key in the chosen language with {name} replaced by
// vars.name; a key missing in English falls back to Korean, a missing key
// shows itself (a test checks that none is missing).
export function t(key, vars) {
  let s = CHOSEN[key] ?? KO[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

// has reports whether the dictionary knows key.
export function has(key) {
  return key in KO;
}

// translate fills the marked elements under root in the chosen language and
// sets the document's lang.
export function translate(root = document) {
  if (root === document) document.documentElement.lang = lang();
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const [attr, name] of [["i18nLabel", "aria-label"], ["i18nPlaceholder", "placeholder"], ["i18nTitle", "title"]]) {
    for (const el of root.querySelectorAll(`[data-${attr.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}]`)) {
      el.setAttribute(name, t(el.dataset[attr]));
    }
  }
}

// won formats whole won with thousands separators: "12,000원" in Korean,
// "₩12,000" in English.
export function won(n) {
  return t("money.won", { n: Number(n || 0).toLocaleString("ko-KR") });
}

// locale is the BCP 47 locale for dates and numbers.
export function locale() {
  return lang() === "en" ? "en-GB" : "ko-KR";
}

// FIELD_KINDS turns the API's English field messages into a kind and the
// numbers in them; each kind has a sentence in the dictionary (error.kind.*).
const FIELD_KINDS = [
  [/^required/, "required"],
  [/^must be 1 to (\d+) characters/, "length"],
  [/^at most (\d+) characters/, "max_length"],
  [/control characters/, "unsafe_text"],
  [/e-mail address/, "email"],
  [/phone number/, "phone"],
  [/8 to 128 bytes/, "password_length"],
  [/^must be 4 to 32 characters/, "login_id"],
  [/already taken/, "taken"],
  [/^sold out/, "sold_out"],
  [/not on this stall's menu/, "not_on_menu"],
  [/listed twice/, "listed_twice"],
  [/total may be at most/, "total_max"],
  [/total must be more than/, "total_min"],
  [/valid card number/, "card_number"],
  [/has expired/, "card_expired"],
  [/year like/, "card_year"],
  [/image id|no such image/, "image"],
  [/HH:MM/, "clock"],
  [/must differ/, "same_time"],
  [/overlap/, "overlap"],
  [/at most 4 opening spans/, "spans"],
  [/unknown day/, "day"],
  [/must be a date|must be a month/, "date"],
  [/before from/, "date_order"],
  [/366 days/, "date_span"],
  [/unknown or read-only/, "read_only"],
  [/^must be (?:a |an |true)/, "type"],
  [/^must be (-?[\d,.]+) ?(?:to|\.\.) ?(-?[\d,.]+)/, "range"],
];

// fieldKind returns [kind, ...numbers] for an API field message, or null.
export function fieldKind(message) {
  for (const [re, kind] of FIELD_KINDS) {
    const m = re.exec(message || "");
    if (m) return [kind, ...m.slice(1)];
  }
  return null;
}

// fieldName names an API field ("items[0].quantity", "hours.fri[1]") for people.
export function fieldName(field) {
  const f = String(field || "");
  const day = /^hours\.(mon|tue|wed|thu|fri|sat|sun)/.exec(f);
  if (day) return `${t("field.hours")} (${t("day." + day[1])})`;
  const plain = f.replace(/\[\d+\]/g, "");
  const key = "field." + plain;
  return has(key) ? t(key) : f;
}

// fieldMessage says what is wrong with an API field in the chosen language.
export function fieldMessage(field, message) {
  const k = fieldKind(message);
  const name = fieldName(field);
  if (!k) return t("error.kind.other", { field: name });
  const [kind, a, b] = k;
  return t("error.kind." + kind, { field: name, n: a, min: a, max: b });
}

// problemMessage is the sentence for an API error: by its code when the
// dictionary has one, else the generic one for its status.
export function problemMessage(err) {
  if (!err) return "";
  if (err.status === 0) return t("error.network");
  if (err.code && has("problem." + err.code)) return t("problem." + err.code);
  if (err.status >= 500) return t("problem.internal");
  return err.message || t("problem.internal");
}
