// /pay.html: where the gateway's checkout comes back. With paymentKey it
// confirms the payment (POST /payments/confirm) under an Idempotency-Key kept
// in sessionStorage, so a reload or a retry sends the same key and the card is
// never charged twice; then it goes to the order's status page.
import { api, newKey, token } from "./api.js";
import { startCheckout } from "./checkout.js";
import { $, showError } from "./dom.js";
import { mountUser } from "./topbar.js";

const RETRIES = 5;
const illuwa = { state: "confirming" };
window.illuwa = illuwa;
mountUser($("user"));

const q = new URLSearchParams(location.search);
const orderID = Number(q.get("order"));
const orderURL = `/order.html?id=${orderID}`;
$("to-order").href = orderURL;

if (!token()) {
  location.replace(`/login.html?next=${encodeURIComponent(location.pathname + location.search)}`);
} else if (!(orderID > 0)) {
  fail({ message: "주문 번호가 없습니다 · no order in the address" });
} else if (q.get("failed")) {
  fail({ message: `결제가 완료되지 않았습니다 · the payment did not go through (${q.get("code") || "?"}: ${q.get("message") || ""})` }, true);
} else {
  await confirm(q.get("paymentKey") || "", Number(q.get("amount")));
}

async function confirm(paymentKey, amount) {
  const slot = `illuwa_confirm:${orderID}:${paymentKey}`;
  let key = sessionStorage.getItem(slot);
  if (!key) {
    key = newKey();
    sessionStorage.setItem(slot, key);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await api("POST", "/payments/confirm", { order_id: orderID, payment_key: paymentKey, amount }, { "Idempotency-Key": key });
      illuwa.state = "confirmed";
      $("pay-status").textContent = "결제 완료 · paid";
      location.replace(orderURL);
      return;
    } catch (err) {
      if (err.code === "invalid_transition" || err.code === "already_paid") {
        location.replace(orderURL); // decided already: the order page tells how
        return;
      }
      const unknown = err.status === 0 || err.status >= 500 || err.code === "in_progress";
      if (!unknown || attempt >= RETRIES) {
        if (unknown) {
          fail({ message: "결제 결과를 아직 모릅니다. 다시 결제하지 마세요: 주문 화면이 결과를 알려 드립니다. · The outcome is not known yet; do not pay again." });
        } else {
          fail(err.code === "payment_rejected" ? { message: `카드가 거절되었습니다 · card declined: ${err.message}` } : err, err.code === "payment_rejected");
        }
        return;
      }
      $("pay-status").textContent = `결제 확인을 다시 시도하는 중… (${attempt + 1}/${RETRIES})`;
      await new Promise((r) => setTimeout(r, 1000 * 2 ** attempt));
    }
  }
}

// fail shows err, a link to the order, and (when paying again is safe) a
// button that opens the checkout again.
function fail(err, canRetry = false) {
  illuwa.state = "failed";
  $("pay-status").textContent = "";
  showError($("pay-error"), err);
  $("to-order").hidden = !(orderID > 0);
  const again = $("pay-again");
  again.hidden = !canRetry;
  again.onclick = async () => {
    again.disabled = true;
    try {
      const order = await api("GET", `/orders/${orderID}`);
      await startCheckout(order);
    } catch (e) {
      showError($("pay-error"), e);
      again.disabled = false;
    }
  };
}
