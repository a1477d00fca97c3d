// /order.html?id=42: one order's status, kept live by `order.updated` pushes
// over /ws and re-read from GET /orders/{id} on every (re)connect, since
// pushes sent while disconnected are lost. Pay, cancel and review from here.
import { api, token } from "./api.js";
import { fakeGateway, startCheckout } from "./checkout.js";
import { $, h, STATUS, showError, timeText, won } from "./dom.js";
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
    apply(await api("GET", `/orders/${id}`), true);
  } catch (err) {
    showError($("page-error"), err.status === 404 ? { message: "없는 주문입니다 · no such order" } : err);
  }
}

// apply shows o unless it is older than the order shown (a push that crossed
// a fresh read); a read from the API always wins.
function apply(o, fromAPI = false) {
  const cur = illuwa.order;
  if (cur && !fromAPI && new Date(o.updated_at) < new Date(cur.updated_at)) return;
  illuwa.order = o;
  render(o);
}

function render(o) {
  $("order-card").hidden = false;
  showError($("page-error"), null);
  $("order-title").textContent = `주문 #${o.id}`;
  const st = $("order-status");
  st.dataset.status = o.status;
  st.textContent = STATUS[o.status] || o.status;
  const reached = FLOW.indexOf(o.status);
  $("steps").replaceChildren(...FLOW.map((s, i) => h("li", { class: i <= reached ? "done" : "" }, STATUS[s].split(" · ")[0])));
  $("steps").hidden = o.status === "cancelled";
  $("order-eta").textContent = eta(o);
  $("lines").replaceChildren(
    ...o.items.map((it) => h("tr", {}, h("td", {}, `${it.name} × ${it.quantity}`), h("td", { class: "num" }, won(it.line_total)))),
    h("tr", { class: "total" }, h("td", {}, "합계 · Total"), h("td", { class: "num" }, won(o.total))));
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
    case "pending_payment": return "결제를 기다리는 중입니다 · waiting for payment";
    case "paid": return "사장님이 주문을 확인하는 중입니다 · waiting for the stall to accept";
    case "accepted": return `약 ${o.ready_in_minutes}분 뒤 준비됩니다${o.ready_at ? ` (${timeText(o.ready_at)})` : ""} · ready in about ${o.ready_in_minutes} min`;
    case "ready": return "준비 완료! 포장마차에서 받아 가세요 · ready for pick-up";
    case "completed": return "맛있게 드세요 · enjoy";
    case "cancelled": {
      const by = { customer: "손님", owner: "사장님", system: "시스템" }[o.cancelled_by] || "";
      const refund = { pending: "환불 진행 중", done: "환불 완료", failed: "환불 실패 · 문의해 주세요" }[o.refund_status] || "";
      return [by && `${by} 취소`, o.cancel_reason, refund].filter(Boolean).join(" · ");
    }
    default: return "";
  }
}

async function showStall(pochaID) {
  if (stallName) return;
  stallName = "…";
  const link = $("stall-link");
  link.href = `/pocha.html?id=${pochaID}`;
  try {
    stallName = (await api("GET", `/pochas/${pochaID}`)).name;
  } catch {
    stallName = `#${pochaID}`;
  }
  link.textContent = stallName;
}

async function checkPayments() {
  if (probed) return;
  probed = true;
  if (await fakeGateway()) return;
  $("pay-notice").hidden = false;
  $("pay-notice").textContent = "카드 결제가 이 웹앱에 설정되어 있지 않습니다: 서버는 실제 결제대행사를 쓰도록 설정되었지만 결제 위젯이 없습니다. 주문을 취소하거나 매장에서 결제하세요. · Card payment is not configured in this web app.";
  $("pay").disabled = true;
}

$("pay").addEventListener("click", async () => {
  showError($("action-error"), null);
  try {
    await startCheckout(illuwa.order, `${stallName} · 주문 #${id}`);
  } catch (err) {
    showError($("action-error"), err);
  }
});

$("cancel").addEventListener("click", async () => {
  if (!confirm("주문을 취소할까요? · Cancel this order?")) return;
  showError($("action-error"), null);
  try {
    apply(await api("POST", `/orders/${id}/cancel`, {}), true);
  } catch (err) {
    showError($("action-error"), err.code === "invalid_transition" ? { message: "이미 접수된 주문은 취소할 수 없습니다 · it was accepted already" } : err);
  }
});

if (!token()) {
  location.replace(`/login.html?next=${encodeURIComponent(location.pathname + location.search)}`);
} else if (!(id > 0)) {
  showError($("page-error"), { message: "주문 번호가 없습니다 · no order id in the address" });
} else {
  const socket = new LiveSocket(liveURL, {
    state(s) {
      illuwa.state = s;
      $("conn").dataset.state = s;
      $("conn").textContent = s;
    },
    open: () => refresh(),
    message(msg) {
      if ((msg.type === "order.updated" || msg.type === "order.created") && msg.order?.id === id) apply(msg.order);
    },
  });
  window.addEventListener("pagehide", () => socket.close());
  await refresh();
}
