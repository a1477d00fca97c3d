// Paying an order: the server's built-in fake gateway (demo and tests) has a
// checkout page that redirects back to /pay.html; with a real gateway
// configured, this web app has no checkout widget yet and says so.

import { t } from "./i18n.js";

const FAKE_PAGE = "/fake-pg/v1/fake/checkout-page";

// PaymentsUnavailable is thrown by startCheckout when the server uses a real
// payment gateway, whose checkout widget this app does not include.
export class PaymentsUnavailable extends Error {
  constructor() {
    super(t("checkout.unavailable"));
    this.code = "payments_unavailable";
  }
}

// fakeGateway reports whether the server mounts the fake gateway (its checkout
// page answers 400 to a request without an order, where nothing is 404).
export async function fakeGateway() {
  try {
    const res = await fetch(FAKE_PAGE, { cache: "no-store" });
    return res.status === 400;
  } catch {
    return false;
  }
}

// startCheckout sends the browser to the gateway's checkout for order (as the
// API returns it), which comes back to /pay.html?order=<id> with paymentKey,
// orderId and amount, or with failed=1 and code and message. It throws
// PaymentsUnavailable when there is no checkout to go to.
export async function startCheckout(order, orderName) {
  if (!(await fakeGateway())) throw new PaymentsUnavailable();
  const q = new URLSearchParams({
    orderId: order.payment_order_id,
    amount: String(order.total),
    orderName: orderName || t("order.heading_of", { id: order.id }),
    successUrl: `/pay.html?order=${order.id}`,
    failUrl: `/pay.html?order=${order.id}&failed=1`,
  });
  location.assign(`${FAKE_PAGE}?${q}`);
}
