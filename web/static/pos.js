// The POS screen (/pos.html) for a tablet at a stall without the POS box:
// the stall's open orders in three queues (new, cooking, waiting for
// pickup) read from the API on every (re)connect and kept live by pushes;
// big accept (with the minutes to prepare), reject (with a reason), ready
// and handed-over buttons; a sound on every new paid order (acknowledged
// over /ws). Made to run for hours unattended: it reconnects by itself,
// re-reads its orders after every reconnect or resync, and holds only the
// open orders (the screen is redrawn, never appended to).
import { api, savedUser, token } from "./api.js";
import { beep, unlock } from "./beep.js";
import { $, h, showError, timeText, won } from "./dom.js";
import { t } from "./i18n.js";
import { LiveSocket, liveURL } from "./socket.js";

const OPEN = ["paid", "accepted", "ready"];
const STALL_KEY = "illuwa_owner_stall";
const MINUTES = [5, 10, 15, 20, 30];
const REASONS = ["pos.reason_sold_out", "pos.reason_busy", "pos.reason_closing"];

// Exposed for tests: the connection's state, the stall, its open orders,
// the ids acknowledged, the beeps played and how often the orders were read.
const illuwa = { state: "connecting", pochaID: 0, orders: new Map(), acked: [], beeps: 0, reads: 0 };
window.illuwa = illuwa;

const user = token() ? savedUser() : null;
if (!user || (user.role !== "owner" && user.role !== "admin")) {
  $("page-error").hidden = false;
  $("page-error").append(t("owner.login_needed"), " ",
    h("a", { href: `/login.html?next=${encodeURIComponent("/pos.html")}` }, t("nav.login")));
} else {
  await start();
}

async function start() {
  let mine;
  try {
    mine = await api("GET", "/pochas/mine");
  } catch (err) {
    showError($("page-error"), err);
    return;
  }
  if (!mine.items.length) {
    $("page-error").hidden = false;
    $("page-error").append(t("pos.no_stall"), " ", h("a", { href: "/owner.html" }, t("pos.to_console")));
    return;
  }
  const select = $("stall-select");
  select.replaceChildren(...mine.items.map((p) => h("option", { value: p.id }, p.name)));
  const wanted = Number(new URLSearchParams(location.search).get("pocha") || localStorage.getItem(STALL_KEY));
  select.value = String(mine.items.some((p) => p.id === wanted) ? wanted : mine.items[0].id);
  select.hidden = mine.items.length < 2;
  illuwa.pochaID = Number(select.value);
  select.addEventListener("change", () => {
    illuwa.pochaID = Number(select.value);
    localStorage.setItem(STALL_KEY, select.value);
    refetch();
  });

  $("sound").addEventListener("click", () => {
    const on = unlock();
    $("sound").textContent = t(on ? "owner.sound_is_on" : "owner.no_audio");
    $("sound").setAttribute("aria-pressed", String(on));
    beep();
  });
  const clock = () => { $("clock").textContent = timeText(new Date().toISOString()); };
  clock();
  setInterval(clock, 15_000);

  const socket = new LiveSocket(liveURL, {
    state(s) {
      illuwa.state = s;
      $("conn").dataset.state = s;
      $("conn").textContent = t("conn." + s);
    },
    open: refetch, // what was pushed while disconnected is in the API
    message(msg) {
      switch (msg.type) {
        case "order.created": {
          const o = msg.order;
          if (o.pocha_id === illuwa.pochaID && !illuwa.acked.includes(o.id) && !illuwa.orders.has(o.id)) {
            illuwa.beeps++;
            beep();
          }
          apply(o);
          if (socket.send({ type: "ack", order_id: o.id }) && !illuwa.acked.includes(o.id)) {
            illuwa.acked.push(o.id);
            if (illuwa.acked.length > 500) illuwa.acked.splice(0, illuwa.acked.length - 500);
          }
          break;
        }
        case "order.updated":
          apply(msg.order);
          break;
        case "orders.resync":
          refetch();
          break;
      }
    },
  });
  window.addEventListener("pagehide", () => socket.close());
}

let generation = 0;

// refetch replaces the queues with the stall's open orders from the API.
async function refetch() {
  const gen = ++generation, pochaID = illuwa.pochaID;
  try {
    const pages = await Promise.all(OPEN.map((s) => api("GET", `/orders?pocha_id=${pochaID}&status=${s}&limit=100`)));
    if (gen !== generation) return; // a newer read won
    illuwa.reads++;
    illuwa.orders.clear();
    for (const o of pages.flatMap((p) => p.items)) illuwa.orders.set(o.id, o);
    showError($("orders-error"), null);
    render();
  } catch (err) {
    showError($("orders-error"), err);
  }
}

// apply puts a pushed order in its queue (or takes it off when it is no
// longer open), unless the screen holds a newer version of it.
function apply(o) {
  if (o.pocha_id !== illuwa.pochaID) return;
  const cur = illuwa.orders.get(o.id);
  if (cur && new Date(o.updated_at) < new Date(cur.updated_at)) return;
  if (OPEN.includes(o.status)) illuwa.orders.set(o.id, o);
  else illuwa.orders.delete(o.id);
  render();
}

function render() {
  const all = [...illuwa.orders.values()].sort((a, b) => a.id - b.id);
  for (const s of OPEN) {
    const list = all.filter((o) => o.status === s);
    $("queue-" + s).replaceChildren(...list.map(card));
    $("n-" + s).textContent = String(list.length);
  }
  $("board-empty").hidden = all.length > 0;
}

function card(o) {
  const li = h("li", { class: "pos-order", dataset: { order: o.id, status: o.status } },
    h("div", { class: "pos-pickup" }, t("pos.order_no", { id: o.id })),
    h("div", { class: "pos-items" }, o.items.map((it) => `${it.name} × ${it.quantity}`).join(", ")),
    h("div", { class: "pos-meta" }, won(o.total), " · ", timeText(o.paid_at || o.created_at),
      o.status === "accepted" && o.ready_at ? ` · ${t("board.ready_at", { at: timeText(o.ready_at) })}` : ""));
  const actions = h("div", { class: "pos-actions" });
  switch (o.status) {
    case "paid": {
      let minutes = 10;
      const picks = MINUTES.map((m) => h("button", { type: "button", class: "minutes", "aria-pressed": String(m === minutes),
        "aria-label": t("pos.minutes_of", { id: o.id, n: m }), onclick: (e) => {
          minutes = m;
          for (const b of picks) b.setAttribute("aria-pressed", String(b === e.currentTarget));
        } }, t("pos.minutes", { n: m })));
      const reasons = h("div", { class: "pos-reasons", hidden: true },
        ...REASONS.map((key) => h("button", { type: "button", class: "no reason", onclick: () => act(o.id, "reject", { reason: t(key) }) }, t(key))));
      actions.append(...picks,
        h("button", { type: "button", class: "go accept", "aria-label": t("pos.accept_of", { id: o.id }), onclick: () => act(o.id, "accept", { ready_in_minutes: minutes }) }, t("board.accept")),
        h("button", { type: "button", class: "no reject", "aria-expanded": "false", "aria-label": t("pos.reject_of", { id: o.id }), onclick: (e) => {
          reasons.hidden = !reasons.hidden;
          e.currentTarget.setAttribute("aria-expanded", String(!reasons.hidden));
        } }, t("board.reject")));
      li.append(actions, reasons);
      return li;
    }
    case "accepted":
      actions.append(h("button", { type: "button", class: "go ready", "aria-label": t("pos.ready_of", { id: o.id }), onclick: () => act(o.id, "ready") }, t("board.ready")));
      break;
    case "ready":
      actions.append(h("button", { type: "button", class: "go complete", "aria-label": t("pos.complete_of", { id: o.id }), onclick: () => act(o.id, "complete") }, t("board.complete")));
      break;
  }
  li.append(actions);
  return li;
}

async function act(id, path, body) {
  showError($("orders-error"), null);
  try {
    apply(await api("POST", `/orders/${id}/${path}`, body));
  } catch (err) {
    showError($("orders-error"), err);
    if (err.code === "invalid_transition") refetch(); // it changed elsewhere
  }
}
