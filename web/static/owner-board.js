// The owner's orders board for one stall: the open orders (paid, accepted,
// ready) read from the API on every (re)connect and kept live by pushes, with
// accept (minutes), reject (reason), ready and complete buttons.
import { api } from "./api.js";
import { $, h, showError, statusText, timeText, won } from "./dom.js";
import { t } from "./i18n.js";

const OPEN = ["paid", "accepted", "ready"];

export class OrdersBoard {
  // orders: the Map<id, order> exposed to tests.
  constructor(orders) {
    this.orders = orders;
    this.pochaID = 0;
    this.generation = 0;
  }

  // show switches the board to the stall and reads its open orders.
  async show(pochaID) {
    this.pochaID = pochaID;
    await this.refetch();
  }

  // refetch replaces the board with the stall's open orders from the API.
  async refetch() {
    if (!this.pochaID) return;
    const gen = ++this.generation;
    try {
      const pages = await Promise.all(OPEN.map((s) => api("GET", `/orders?pocha_id=${this.pochaID}&status=${s}&limit=100`)));
      if (gen !== this.generation) return; // a newer read (or another stall) won
      this.orders.clear();
      for (const o of pages.flatMap((p) => p.items)) this.orders.set(o.id, o);
      showError($("orders-error"), null);
      this.render();
    } catch (err) {
      showError($("orders-error"), err);
    }
  }

  // apply puts a pushed order on the board (or takes it off when it is no
  // longer open), unless the board holds a newer version of it.
  apply(o) {
    if (o.pocha_id !== this.pochaID) return;
    const cur = this.orders.get(o.id);
    if (cur && new Date(o.updated_at) < new Date(cur.updated_at)) return;
    if (OPEN.includes(o.status)) this.orders.set(o.id, o);
    else this.orders.delete(o.id);
    this.render();
  }

  render() {
    const list = [...this.orders.values()].sort((a, b) => OPEN.indexOf(a.status) - OPEN.indexOf(b.status) || a.id - b.id);
    $("board").replaceChildren(...list.map((o) => this.card(o)));
    $("board-empty").hidden = list.length > 0;
  }

  card(o) {
    const minutes = h("input", { type: "number", min: 1, max: 180, value: "10", "aria-label": t("board.minutes_label", { id: o.id }), class: "minutes" });
    const reason = h("input", { placeholder: t("board.reason"), maxlength: 200, class: "reason", "aria-label": t("board.reason_label", { id: o.id }) });
    const act = (path, body) => this.act(o.id, path, body);
    let actions;
    switch (o.status) {
      case "paid":
        actions = [
          minutes, h("span", { "aria-hidden": "true" }, t("board.minutes_unit")),
          h("button", { type: "button", class: "primary small accept", onclick: () => act("accept", { ready_in_minutes: Number(minutes.value) }) }, t("board.accept")),
          reason,
          h("button", { type: "button", class: "danger small reject", onclick: () => {
            if (!reason.value.trim()) {
              reason.focus();
              return;
            }
            act("reject", { reason: reason.value.trim() });
          } }, t("board.reject")),
        ];
        break;
      case "accepted":
        actions = [h("button", { type: "button", class: "primary small ready", onclick: () => act("ready") }, t("board.ready"))];
        break;
      case "ready":
        actions = [h("button", { type: "button", class: "primary small complete", onclick: () => act("complete") }, t("board.complete"))];
        break;
    }
    return h("li", { dataset: { order: o.id, status: o.status } },
      h("div", { class: "spread" }, h("strong", {}, `#${o.id} · ${statusText(o.status)}`), h("span", { class: "muted" }, timeText(o.paid_at || o.created_at))),
      h("div", {}, o.items.map((it) => `${it.name} × ${it.quantity}`).join(", ")),
      h("div", { class: "muted" }, won(o.total), o.status === "accepted" && o.ready_at ? ` · ${t("board.ready_at", { at: timeText(o.ready_at) })}` : ""),
      h("div", { class: "actions" }, actions));
  }

  async act(id, path, body) {
    showError($("orders-error"), null);
    try {
      this.apply(await api("POST", `/orders/${id}/${path}`, body));
    } catch (err) {
      showError($("orders-error"), err);
      if (err.code === "invalid_transition") this.refetch(); // it changed elsewhere
    }
  }
}
