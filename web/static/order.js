// /order.html?id=42: one order's status, kept live by `order.updated` pushes
// over /ws and re-read from GET /orders/{id} on every (re)connect, since
// pushes sent while disconnected are lost. Pay, cancel and review from here.
import { api, token } from "./api.js";
import { fakeGateway, startCheckout } from "./checkout.js";
import { beep } from "./beep.js";
import { $, h, showError, statusText, timeText, won } from "./dom.js";
import { t } from "./i18n.js";
import { LiveSocket, liveURL } from "./socket.js";
import { mountUser } from "./topbar.js";

const FLOW = ["paid", "accepted", "ready", "completed"];
// Exposed for tests: the order as last applied and the connection's state.
const illuwa = { order: null, state: "connecting" };
window.illuwa = illuwa;
mountUser($("user"));

const id = Number(new URLSearchParams(location.search).get("id"));
let stallName = "";
let probed = false;

async function refresh() {
  try {
    apply(await api("GET", `/orders/${id}`));
  } catch (err) {
    showError($("page-error"), err.status === 404 ? { message: t("order.not_found") } : err);
  }
}

// apply shows o unless it is older than the order shown: a push that
// crossed a fresh read, or a read (the one every connect starts) answered
// after a newer push had arrived.
function apply(o) {
  const cur = illuwa.order;
  if (cur && new Date(o.updated_at) < new Date(cur.updated_at)) return;
  if (cur && cur.status !== "ready" && o.status === "ready") {
    beep(); // when audio was unlocked on this page
    navigator.vibrate?.([200, 100, 200]);
  }
  illuwa.order = o;
  render(o);
}

function render(o) {
  $("order-card").hidden = false;
  showError($("page-error"), null);
  $("order-title").textContent = t("order.heading_of", { id: o.id });
  const pickup = $("pickup");
  pickup.hidden = !["accepted", "ready"].includes(o.status);
  pickup.textContent = t("order.pickup", { id: o.id });
  const st = $("order-status");
  st.dataset.status = o.status;
  st.textContent = statusText(o.status);
  const reached = FLOW.indexOf(o.status);
  $("steps").replaceChildren(...FLOW.map((s, i) => h("li", { class: i <= reached ? "done" : "", "aria-current": i === reached ? "step" : null }, statusText(s))));
  $("steps").hidden = o.status === "cancelled";
  $("order-eta").textContent = eta(o);
  $("lines").replaceChildren(
    ...o.items.map((it) => h("tr", {}, h("td", {}, `${it.name} × ${it.quantity}`), h("td", { class: "num" }, won(it.line_total)))),
    h("tr", { class: "total" }, h("td", {}, t("order.total")), h("td", { class: "num" }, won(o.total))));
  $("pay").hidden = o.status !== "pending_payment";
  $("cancel").hidden = o.status !== "pending_payment" && o.status !== "paid";
  const review = $("review-link");
  review.hidden = o.status !== "completed";
  review.href = `/pocha.html?id=${o.pocha_id}&review=${o.id}#reviews-card`;
  if (o.status === "pending_payment") checkPayments();
  else $("pay-notice").hidden = true;
  showStall(o.pocha_id);
}

function eta(o) {
  switch (o.status) {
    case "accepted": return t("eta.accepted", { n: o.ready_in_minutes, at: o.ready_at ? ` (${timeText(o.ready_at)})` : "" });
    case "cancelled": {
      const by = o.cancelled_by ? t("eta.cancelled_by." + o.cancelled_by) : "";
      const refund = o.refund_status && o.refund_status !== "none" ? t("eta.refund." + o.refund_status) : "";
      return [by, o.cancel_reason, refund].filter(Boolean).join(" · ");
    }
    default: return t("eta." + o.status);
  }
}

async function showStall(pochaID) {
  if (stallName) return;
  stallName = "…";
  const link = $("stall-link");
  try {
    stallName = (await api("GET", `/pochas/${pochaID}`)).name;
  } catch {
    stallName = `#${pochaID}`;
  }
  // Text and target together: a link without a name is never in the tab order.
  link.textContent = stallName;
  link.href = `/pocha.html?id=${pochaID}`;
}

async function checkPayments() {
  if (probed) return;
  probed = true;
  if (await fakeGateway()) return;
  $("pay-notice").hidden = false;
  $("pay-notice").textContent = t("checkout.unavailable");
  $("pay-notice").dataset.reason = "payments_unavailable";
  $("pay").disabled = true;
}

$("pay").addEventListener("click", async () => {
  showError($("action-error"), null);
  try {
    await startCheckout(illuwa.order, t("order.name_id", { stall: stallName, id }));
  } catch (err) {
    showError($("action-error"), err);
  }
});

$("cancel").addEventListener("click", async () => {
  if (!confirm(t("order.cancel_confirm"))) return;
  showError($("action-error"), null);
  try {
    apply(await api("POST", `/orders/${id}/cancel`, {}), true);
  } catch (err) {
    showError($("action-error"), err.code === "invalid_transition" ? { message: t("order.cancel_too_late") } : err);
  }
});

if (!token()) {
  location.replace(`/login.html?next=${encodeURIComponent(location.pathname + location.search)}`);
} else if (!(id > 0)) {
  showError($("page-error"), { message: t("order.no_id") });
} else {
  const socket = new LiveSocket(liveURL, {
    state(s) {
      illuwa.state = s;
      $("conn").dataset.state = s;
      $("conn").textContent = t("conn." + s);
    },
    open: () => refresh(),
    message(msg) {
      if ((msg.type === "order.updated" || msg.type === "order.created") && msg.order?.id === id) apply(msg.order);
      else if (msg.type === "orders.resync") refresh(); // pushes may have been lost
    },
  });
  window.addEventListener("pagehide", () => socket.close());
  await refresh();
}
