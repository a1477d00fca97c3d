// Small DOM helpers: elements are built with textContent only, never from
// HTML strings, so that names and texts from users cannot inject markup.

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

// won formats whole won: 12000 → "12,000원".
export function won(n) {
  return `${Number(n || 0).toLocaleString("ko-KR")}원`;
}

// STATUS names each order status in Korean, with the API's English word.
export const STATUS = {
  pending_payment: "결제 대기 · pending payment",
  paid: "결제 완료 · paid",
  accepted: "조리 중 · accepted",
  ready: "픽업 대기 · ready",
  completed: "완료 · completed",
  cancelled: "취소됨 · cancelled",
};

// timeText formats an RFC 3339 time as a short Korean local time.
export function timeText(at) {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleString("ko-KR", { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

// ago says how long ago an RFC 3339 time was, in Korean.
export function ago(at) {
  const s = Math.max(0, Math.round((Date.now() - new Date(at).getTime()) / 1000));
  if (!Number.isFinite(s)) return "";
  if (s < 60) return `${s}초 전`;
  if (s < 3600) return `${Math.floor(s / 60)}분 전`;
  return `${Math.floor(s / 3600)}시간 전`;
}

// showError puts err's message (and field messages) into el, or clears it.
export function showError(el, err) {
  el.textContent = "";
  el.hidden = !err;
  if (!err) return;
  el.append(err.message || String(err));
  for (const [f, m] of Object.entries(err.fields || {})) el.append(h("div", { class: "field-error" }, `${f}: ${m}`));
}
