// /orders.html: the customer's orders (or an owner's, across their stalls
// through the console), newest first, paged by cursor, each linking to its
// live status page.
import { api, token } from "./api.js";
import { $, h, showError, statusText, timeText, won } from "./dom.js";
import { t } from "./i18n.js";
import { mountUser } from "./topbar.js";

const illuwa = { state: "loading", orders: [] };
window.illuwa = illuwa;
mountUser($("user"));
const names = new Map(); // pocha id -> name (a promise)
let cursor = null;

if (!token()) {
  location.replace(`/login.html?next=${encodeURIComponent("/orders.html")}`);
} else {
  await more();
  $("orders-more").addEventListener("click", more);
}

async function more() {
  const q = new URLSearchParams({ limit: "20" });
  if (cursor) q.set("cursor", cursor);
  try {
    const page = await api("GET", `/orders?${q}`);
    illuwa.orders.push(...page.items);
    $("orders").append(...page.items.map(item));
    cursor = page.next_cursor;
    $("orders-more").hidden = !cursor;
    $("orders-empty").hidden = illuwa.orders.length > 0;
    illuwa.state = "ready";
  } catch (err) {
    illuwa.state = "error";
    showError($("page-error"), err);
  }
}

function item(o) {
  const stall = h("span", { class: "stall-name" }, `#${o.pocha_id}`);
  stallName(o.pocha_id).then((n) => (stall.textContent = n));
  const lines = o.items.map((it) => `${it.name} × ${it.quantity}`).join(", ");
  return h("li", { dataset: { order: o.id, status: o.status } },
    h("a", { href: `/order.html?id=${o.id}`, class: "order-link" },
      h("span", { class: "spread" }, h("strong", {}, t("order.heading_of", { id: o.id })), h("span", { class: `badge status-${o.status}` }, statusText(o.status))),
      h("span", { class: "order-line" }, stall, " · ", timeText(o.created_at)),
      h("span", { class: "order-line muted" }, lines, " · ", won(o.total))));
}

function stallName(id) {
  if (!names.has(id)) names.set(id, api("GET", `/pochas/${id}`).then((p) => p.name, () => `#${id}`));
  return names.get(id);
}
