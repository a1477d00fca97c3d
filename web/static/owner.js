// The owner's console (/owner.html): pick one of my stalls; open, close and
// broadcast its position; the live orders board with a sound for each new
// paid order (acknowledged over /ws); the menu; the month's settlement; reviews.
import { api, savedUser, token } from "./api.js";
import { beep, unlock } from "./beep.js";
import { $, h, showError } from "./dom.js";
import { OrdersBoard } from "./owner-board.js";
import { StallLive } from "./owner-live.js";
import { MenuEditor } from "./owner-menu.js";
import { OwnerReviews } from "./owner-reviews.js";
import { Sales } from "./owner-sales.js";
import { LiveSocket, liveURL } from "./socket.js";
import { mountUser } from "./topbar.js";

const STALL_KEY = "illuwa_owner_stall";

// Exposed for tests: the connection's state, my stalls, the chosen stall, the
// board's orders, the order ids acknowledged, the beeps played (or due while
// audio is locked) and the broadcast's status.
const illuwa = { state: "connecting", stalls: [], pochaID: 0, orders: new Map(), acked: [], beeps: 0, broadcast: { broadcasting: false, sent: 0 } };
window.illuwa = illuwa;
mountUser($("user"));

const user = token() ? savedUser() : null;
if (!user || (user.role !== "owner" && user.role !== "admin")) {
  $("page-error").hidden = false;
  $("page-error").append("사장님 계정으로 로그인하세요 · log in as a stall owner. ",
    h("a", { href: `/login.html?next=${encodeURIComponent("/owner.html")}` }, "로그인 · Log in"));
  $("conn").hidden = true;
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
  illuwa.stalls = mine.items;
  if (!mine.items.length) {
    $("conn").hidden = true;
    offerNewStall();
    return;
  }
  const board = new OrdersBoard(illuwa.orders);
  const menu = new MenuEditor();
  const sales = new Sales();
  const reviews = new OwnerReviews();
  const socket = new LiveSocket(liveURL, {
    state(s) {
      illuwa.state = s;
      $("conn").dataset.state = s;
      $("conn").textContent = s;
    },
    open() {
      board.refetch(); // pushes missed while disconnected are in the API
      live.resume();
    },
    message: onMessage,
  });
  window.addEventListener("pagehide", () => socket.close());
  const live = new StallLive(socket, (p) => updateStall(p), illuwa.broadcast);

  const select = $("stall-select");
  select.replaceChildren(...mine.items.map((p) => h("option", { value: p.id }, p.name)));
  const saved = Number(localStorage.getItem(STALL_KEY));
  select.value = String(mine.items.some((p) => p.id === saved) ? saved : mine.items[0].id);
  select.addEventListener("change", () => choose(Number(select.value)));
  for (const id of ["stall-card", "orders-card", "menu-card", "sales-card", "owner-reviews-card"]) $(id).hidden = false;
  await choose(Number(select.value));

  $("sound").addEventListener("click", () => {
    $("sound").textContent = unlock() ? "소리 켜짐 · on" : "소리 없음 · no audio";
    beep();
  });

  async function choose(id) {
    illuwa.pochaID = id;
    localStorage.setItem(STALL_KEY, String(id));
    live.show(illuwa.stalls.find((p) => p.id === id));
    $("orders-notice").hidden = true;
    await Promise.all([board.show(id), menu.show(id), sales.show(id), reviews.show(id)]);
  }

  function updateStall(p) {
    illuwa.stalls = illuwa.stalls.map((s) => (s.id === p.id ? p : s));
    if (p.id === illuwa.pochaID) live.show(p);
  }

  function onMessage(msg) {
    switch (msg.type) {
      case "order.created": {
        const o = msg.order;
        if (!illuwa.acked.includes(o.id)) {
          illuwa.beeps++;
          beep();
        }
        board.apply(o);
        if (o.pocha_id !== illuwa.pochaID) {
          const other = illuwa.stalls.find((p) => p.id === o.pocha_id);
          $("orders-notice").hidden = false;
          $("orders-notice").textContent = `새 주문: ${other?.name || "다른 매장"}에 새 주문 #${o.id} · new order at another stall`;
        }
        if (socket.send({ type: "ack", order_id: o.id }) && !illuwa.acked.includes(o.id)) illuwa.acked.push(o.id);
        break;
      }
      case "order.updated":
        board.apply(msg.order);
        break;
      case "error":
        if (String(msg.ref || "").startsWith("loc-")) live.serverError(msg);
        else showError($("orders-error"), { message: `${msg.message} (${msg.code})` });
        break;
    }
  }
}

// offerNewStall shows a form that registers the owner's first stall by name.
function offerNewStall() {
  const name = h("input", { name: "name", maxlength: 60, required: true, placeholder: "예: 을지로 어묵" });
  const err = h("p", { class: "error", role: "alert", hidden: true });
  const form = h("form", { class: "card stack", id: "new-stall" },
    h("h2", {}, "첫 포장마차 등록 · Register your stall"),
    h("label", {}, "이름 · Name", name), err,
    h("button", { class: "primary" }, "등록 · Register"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api("POST", "/pochas", { name: name.value.trim() });
      location.reload();
    } catch (e2) {
      showError(err, e2);
    }
  });
  $("page-error").after(form);
}
