// The month's settlement of a stall as a table: each paid order with its
// refund, fee and net, and the month's totals.
import { api } from "./api.js";
import { $, h, STATUS, showError, timeText, won } from "./dom.js";

// koreanMonth returns the current month in Korean time as YYYY-MM.
export function koreanMonth() {
  const d = new Date(Date.now() + 9 * 3600 * 1000);
  return d.toISOString().slice(0, 7);
}

export class Sales {
  constructor() {
    this.pochaID = 0;
    $("sales-month").value = koreanMonth();
    $("sales-month").addEventListener("change", () => this.load());
  }

  show(pochaID) {
    this.pochaID = pochaID;
    return this.load();
  }

  async load() {
    const month = $("sales-month").value || koreanMonth();
    const id = this.pochaID;
    try {
      const s = await api("GET", `/pochas/${id}/settlements/${month}`);
      if (id !== this.pochaID) return;
      showError($("sales-error"), null);
      const t = s.totals;
      $("sales").replaceChildren(
        h("p", {}, `${s.month} · 주문 ${t.orders}건 · 매출 ${won(t.gross)} · 환불 ${won(t.refunds)} · 수수료 ${won(t.fees)} (${(s.fee_rate * 100).toFixed(1)}%) · `,
          h("strong", { id: "payout" }, `정산 ${won(t.payout)}`)),
        s.orders.length ? h("table", { class: "table" },
          h("tr", {}, ...["주문", "결제", "상태", "매출", "환불", "수수료", "정산"].map((x) => h("th", {}, x))),
          ...s.orders.map((o) => h("tr", {},
            h("td", {}, `#${o.order_id}`), h("td", {}, timeText(o.paid_at)), h("td", {}, (STATUS[o.status] || o.status).split(" · ")[0]),
            h("td", {}, won(o.gross)), h("td", {}, won(o.refund)), h("td", {}, won(o.fee)), h("td", {}, won(o.net)))))
          : h("p", { class: "muted" }, "이 달의 결제가 없습니다 · no payments this month"));
    } catch (err) {
      showError($("sales-error"), err);
    }
  }
}
