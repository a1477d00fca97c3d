// The owner's console (/owner.html): pick one of my stalls; open, close and
// broadcast its position; the live orders board with a sound for each new
// paid order (acknowledged over /ws); the stall's profile (picture, texts,
// hours); the menu; the month's settlement; reviews; registering more stalls.
import { api, savedUser, token } from "./api.js";
import { beep, unlock } from "./beep.js";
import { $, h, showError } from "./dom.js";
import { t } from "./i18n.js";
import { Devices } from "./owner-devices.js";
import { OrdersBoard } from "./owner-board.js";
import { StallLive } from "./owner-live.js";
import { MenuEditor } from "./owner-menu.js";
import { ProfileEditor } from "./owner-profile.js";
import { OwnerReviews } from "./owner-reviews.js";
import { Sales } from "./owner-sales.js";
import { LiveSocket, liveURL } from "./socket.js";
import { mountUser, refreshUnread } from "./topbar.js";

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
  $("page-error").append(t("owner.login_needed"), " ",
    h("a", { href: `/login.html?next=${encodeURIComponent("/owner.html")}` }, t("nav.login")));
  $("conn").hidden = true;
} else {
  offerNewStall();
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
    $("new-stall-heading").textContent = t("owner.first_stall");
    return;
  }
  const board = new OrdersBoard(illuwa.orders);
  const menu = new MenuEditor();
  const profile = new ProfileEditor((p) => updateStall(p));
  const sales = new Sales();
  const reviews = new OwnerReviews();
  const devices = new Devices();
  const socket = new LiveSocket(liveURL, {
    state(s) {
      illuwa.state = s;
      $("conn").dataset.state = s;
      $("conn").textContent = t("conn." + s);
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
  for (const id of ["stall-card", "orders-card", "profile-card", "menu-card", "sales-card", "devices-card", "owner-reviews-card"]) $(id).hidden = false;
  await choose(Number(select.value));

  $("sound").addEventListener("click", () => {
    const on = unlock();
    $("sound").textContent = t(on ? "owner.sound_is_on" : "owner.no_audio");
    $("sound").setAttribute("aria-pressed", String(on));
    beep();
  });

  async function choose(id) {
    illuwa.pochaID = id;
    localStorage.setItem(STALL_KEY, String(id));
    const p = illuwa.stalls.find((s) => s.id === id);
    live.show(p);
    profile.show(p);
    $("orders-notice").hidden = true;
    await Promise.all([board.show(id), menu.show(id), sales.show(id), reviews.show(id), devices.show(id)]);
  }

  function updateStall(p) {
    illuwa.stalls = illuwa.stalls.map((s) => (s.id === p.id ? p : s));
    const opt = [...select.options].find((o) => Number(o.value) === p.id);
    if (opt) opt.textContent = p.name;
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
          $("orders-notice").textContent = t("owner.other_stall_order", { stall: other?.name || t("owner.other_stall"), id: o.id });
        }
        if (socket.send({ type: "ack", order_id: o.id }) && !illuwa.acked.includes(o.id)) illuwa.acked.push(o.id);
        break;
      }
      case "order.updated":
        board.apply(msg.order);
        break;
      case "orders.resync": // pushes may have been lost: read the board again
        board.refetch();
        break;
      case "notification":
        refreshUnread();
        break;
      case "error":
        if (String(msg.ref || "").startsWith("loc-")) live.serverError(msg);
        else showError($("orders-error"), { message: t("ws." + (["unauthorized", "forbidden", "not_found", "rate_limited"].includes(msg.code) ? msg.code : "internal")) });
        break;
    }
  }
}

// offerNewStall shows the form that registers another stall (the first one
// too) by name; the console then shows the new stall.
function offerNewStall() {
  $("new-stall-card").hidden = false;
  const form = $("new-stall");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    $("new-stall-submit").disabled = true;
    showError($("new-stall-error"), null);
    try {
      const p = await api("POST", "/pochas", { name: $("new-stall-name").value.trim() });
      localStorage.setItem(STALL_KEY, String(p.id));
      location.reload();
    } catch (err) {
      showError($("new-stall-error"), err);
      $("new-stall-submit").disabled = false;
    }
  });
}
