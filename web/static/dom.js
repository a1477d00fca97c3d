// Small DOM helpers: elements are built with textContent only, never from
// HTML strings, so that names and texts from users cannot inject markup.
import { fieldMessage, locale, problemMessage, t } from "./i18n.js";

export { won } from "./i18n.js";

// h makes an element: attrs sets properties (class, dataset, on* handlers,
// anything else as an attribute); children are nodes, strings or falsy (skipped).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "value" || k === "checked" || k === "disabled") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// $ returns the element with the id.
export function $(id) {
  return document.getElementById(id);
}

// statusText names an order status in the chosen language.
export function statusText(status) {
  return t("status." + status);
}

// timeText formats an RFC 3339 time as a short local time.
export function timeText(at) {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleString(locale(), { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

// ago says how long ago an RFC 3339 time was.
export function ago(at) {
  const s = Math.max(0, Math.round((Date.now() - new Date(at).getTime()) / 1000));
  if (!Number.isFinite(s)) return "";
  if (s < 60) return t("time.seconds_ago", { n: s });
  if (s < 3600) return t("time.minutes_ago", { n: Math.floor(s / 60) });
  return t("time.hours_ago", { n: Math.floor(s / 3600) });
}

// showError puts err into el (or clears it): an API error by its code, its
// field errors one a line, each in the chosen language; {message} objects
// as they are. With form, the inputs named by the fields are marked invalid.
export function showError(el, err, form) {
  el.textContent = "";
  el.hidden = !err;
  for (const input of (form || el.closest("form"))?.querySelectorAll("[aria-invalid]") || []) input.removeAttribute("aria-invalid");
  if (!err) return;
  el.append(err.status !== undefined ? problemMessage(err) : err.message || String(err));
  for (const [f, m] of Object.entries(err.fields || {})) {
    el.append(h("div", { class: "field-error", dataset: { field: f } }, fieldMessage(f, m)));
    const input = (form || el.closest("form"))?.querySelector(`[name="${CSS.escape(f)}"]`);
    if (input) input.setAttribute("aria-invalid", "true");
  }
}
