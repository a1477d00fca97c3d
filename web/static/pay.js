// /pay.html: where the gateway's checkout comes back. With paymentKey it
// confirms the payment (POST /payments/confirm) under an Idempotency-Key kept
// in sessionStorage, so a reload or a retry sends the same key and the card is
// never charged twice; then it goes to the order's status page.
import { api, newKey, token } from "./api.js";
import { startCheckout } from "./checkout.js";
import { $, showError } from "./dom.js";
import { t } from "./i18n.js";
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
  fail({ message: t("order.no_id") });
} else if (q.get("failed")) {
  fail({ message: t("pay.failed", { code: q.get("code") || "?" }) }, true);
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
      $("pay-status").textContent = t("status.paid");
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
          fail({ message: t("pay.unknown") });
        } else {
          fail(err, err.code === "payment_rejected");
        }
        return;
      }
      $("pay-status").textContent = t("pay.retrying", { n: attempt + 1, of: RETRIES });
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
