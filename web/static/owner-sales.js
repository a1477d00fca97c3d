// The month's settlement of a stall: the totals, a chart of each day's net
// sales (GET /sales for the month), each paid order with its fee and net,
// and the month as a CSV file (the same endpoint with Accept: text/csv).
import { api, download } from "./api.js";
import { $, h, showError, statusText, timeText, won } from "./dom.js";
import { t } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";

// koreanMonth returns the current month in Korean time as YYYY-MM.
export function koreanMonth() {
  const d = new Date(Date.now() + 9 * 3600 * 1000);
  return d.toISOString().slice(0, 7);
}

// monthDays returns the first and last day of month (YYYY-MM) as YYYY-MM-DD.
export function monthDays(month) {
  const [y, m] = month.split("-").map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return [`${month}-01`, `${month}-${String(last).padStart(2, "0")}`];
}

export class Sales {
  constructor() {
    this.pochaID = 0;
    $("sales-month").value = koreanMonth();
    $("sales-month").addEventListener("change", () => this.load());
    $("sales-csv").addEventListener("click", () => this.csv());
  }

  show(pochaID) {
    this.pochaID = pochaID;
    return this.load();
  }

  month() {
    return $("sales-month").value || koreanMonth();
  }

  async load() {
    const month = this.month();
    const id = this.pochaID;
    const [from, to] = monthDays(month);
    try {
      const [s, days] = await Promise.all([
        api("GET", `/pochas/${id}/settlements/${month}`),
        api("GET", `/pochas/${id}/sales?from=${from}&to=${to}`),
      ]);
      if (id !== this.pochaID) return;
      showError($("sales-error"), null);
      const tot = s.totals;
      $("sales").replaceChildren(
        h("dl", { class: "totals" },
          h("div", {}, h("dt", {}, t("sales.orders")), h("dd", {}, t("sales.orders_n", { n: tot.orders }))),
          h("div", {}, h("dt", {}, t("sales.gross")), h("dd", {}, won(tot.gross))),
          h("div", {}, h("dt", {}, t("sales.refunds")), h("dd", {}, won(tot.refunds))),
          h("div", {}, h("dt", {}, t("sales.fees", { rate: (s.fee_rate * 100).toFixed(1) })), h("dd", {}, won(tot.fees))),
          h("div", { class: "payout" }, h("dt", {}, t("sales.payout")), h("dd", { id: "payout" }, won(tot.payout)))),
        chart(days.days),
        s.orders.length ? h("table", { class: "table settlement" },
          h("caption", { class: "sr-only" }, t("sales.table_caption", { month: s.month })),
          h("thead", {}, h("tr", {}, ...["sales.col_order", "sales.col_status", "sales.col_gross", "sales.col_net"].map((k) => h("th", { scope: "col" }, t(k))))),
          h("tbody", {}, ...s.orders.map((o) => h("tr", {},
            h("td", {}, h("div", {}, `#${o.order_id}`), h("div", { class: "muted" }, timeText(o.paid_at))),
            h("td", {}, statusText(o.status)),
            h("td", {}, won(o.gross), o.refund ? h("div", { class: "muted" }, `−${won(o.refund)}`) : null),
            h("td", {}, won(o.net), h("div", { class: "muted" }, t("sales.fee_of", { fee: won(o.fee) })))))))
          : h("p", { class: "muted" }, t("sales.none")));
    } catch (err) {
      showError($("sales-error"), err);
    }
  }

  async csv() {
    const month = this.month();
    showError($("sales-error"), null);
    try {
      const file = await download(`/pochas/${this.pochaID}/settlements/${month}`, "text/csv", `settlement-${this.pochaID}-${month}.csv`);
      window.illuwa.csv = file;
    } catch (err) {
      showError($("sales-error"), err);
    }
  }
}

// chart draws each day's net sales as a bar (SVG, no library), with the
// day numbers under every fifth bar and each bar's amount as its title.
function chart(days) {
  const w = 320, hgt = 120, pad = 18;
  const max = Math.max(1, ...days.map((d) => d.net));
  const bw = (w - 4) / Math.max(days.length, 1);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${hgt + pad}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  const total = days.reduce((a, d) => a + d.net, 0);
  const best = days.reduce((a, d) => (d.net > (a?.net ?? -1) ? d : a), null);
  svg.setAttribute("aria-label", best && best.net > 0
    ? t("sales.chart_label", { total: won(total), day: Number(best.date.slice(8)), best: won(best.net) })
    : t("sales.chart_empty"));
  days.forEach((d, i) => {
    const bh = Math.round((d.net / max) * (hgt - 4));
    const r = document.createElementNS(SVG, "rect");
    r.setAttribute("x", String(2 + i * bw + 1));
    r.setAttribute("y", String(hgt - bh));
    r.setAttribute("width", String(Math.max(1, bw - 2)));
    r.setAttribute("height", String(Math.max(bh, d.net > 0 ? 2 : 0)));
    r.setAttribute("class", "bar");
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${d.date}: ${won(d.net)}`;
    r.append(title);
    svg.append(r);
    const day = i + 1;
    if (day === 1 || day % 5 === 0) {
      const tx = document.createElementNS(SVG, "text");
      tx.setAttribute("x", String(2 + i * bw + bw / 2));
      tx.setAttribute("y", String(hgt + 13));
      tx.setAttribute("text-anchor", "middle");
      tx.setAttribute("class", "axis");
      tx.textContent = String(day);
      svg.append(tx);
    }
  });
  const base = document.createElementNS(SVG, "line");
  for (const [k, v] of [["x1", 0], ["x2", w], ["y1", hgt], ["y2", hgt]]) base.setAttribute(k, String(v));
  base.setAttribute("class", "base");
  svg.append(base);
  return h("figure", { class: "chart-box" }, svg, h("figcaption", { class: "muted" }, t("sales.chart_caption")));
}
