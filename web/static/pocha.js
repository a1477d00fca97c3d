// The stall page (/pocha.html?id=12, also /pochas/12): the stall, its live
// position, its menu with a cart, ordering and paying, and its reviews.
import { api, savedUser, token } from "./api.js";
import { startCheckout } from "./checkout.js";
import { $, h, showError, won } from "./dom.js";
import { StallMap } from "./minimap.js";
import { Reviews } from "./reviews.js";
import { mountUser } from "./topbar.js";

// Exposed for tests: the stall, the menu, the cart (menu item id -> quantity)
// and the page's state ("loading", "ready", "ordering", "error").
const illuwa = { state: "loading", pocha: null, menu: [], cart: new Map() };
window.illuwa = illuwa;

const DAYS = [["mon", "월"], ["tue", "화"], ["wed", "수"], ["thu", "목"], ["fri", "금"], ["sat", "토"], ["sun", "일"]];

const id = stallID();
mountUser($("user"));

try {
  if (!id) throw new Error("포장마차 번호가 없습니다 · no stall id in the address");
  const [pocha, menu] = await Promise.all([api("GET", `/pochas/${id}`), api("GET", `/pochas/${id}/menu`)]);
  illuwa.pocha = pocha;
  illuwa.menu = menu.items;
  showStall(pocha);
  showMenu(menu.items);
  new StallMap($("minimap"), $("where"), pocha, (open) => showOpen(open)).start();
  new Reviews(id, pocha.owner_id).start();
  illuwa.state = "ready";
} catch (err) {
  illuwa.state = "error";
  showError($("page-error"), err.status === 404 ? { message: "없는 포장마차입니다 · no such stall" } : err);
}

function stallID() {
  const m = /^\/pochas\/(\d+)\/?$/.exec(location.pathname);
  const raw = m ? m[1] : new URLSearchParams(location.search).get("id");
  return /^\d+$/.test(raw || "") && Number(raw) > 0 ? Number(raw) : 0;
}

function showStall(p) {
  document.title = `Illuwa · ${p.name}`;
  $("info").removeAttribute("aria-busy");
  $("name").textContent = p.name;
  showOpen(p.is_open);
  $("notice").hidden = !p.notice;
  $("notice").textContent = p.notice ? `공지 · ${p.notice}` : "";
  $("desc").textContent = p.description || "";
  showHours(p.hours || {});
}

function showOpen(open) {
  const b = $("open-badge");
  b.textContent = open ? "영업 중 · Open" : "준비 중 · Closed";
  b.classList.toggle("open", open);
  b.dataset.open = String(open);
}

function showHours(hours) {
  const today = new Intl.DateTimeFormat("en-US", { weekday: "short", timeZone: "Asia/Seoul" }).format(new Date()).toLowerCase();
  const rows = DAYS.map(([key, ko]) => {
    const spans = hours[key] || [];
    const text = spans.length ? spans.map((s) => `${s.open}–${s.close}`).join(", ") : "휴무";
    return h("tr", { class: key === today ? "today" : "" }, h("td", {}, ko), h("td", {}, text));
  });
  $("hours").replaceChildren(...(Object.keys(hours).length ? rows : [h("tr", {}, h("td", { class: "muted" }, "영업시간 정보 없음"))]));
}

function showMenu(items) {
  const list = $("menu");
  if (!items.length) {
    list.replaceChildren(h("li", { class: "muted" }, "메뉴가 아직 없습니다 · no menu yet"));
    return;
  }
  list.replaceChildren(...items.map((it) => {
    const out = h("output", { id: `qty-${it.id}` }, "0");
    const change = (d) => {
      const q = Math.max(0, Math.min(50, (illuwa.cart.get(it.id) || 0) + d));
      if (q) illuwa.cart.set(it.id, q); else illuwa.cart.delete(it.id);
      out.textContent = String(q);
      updateCart();
    };
    return h("li", { class: it.sold_out ? "soldout" : "", dataset: { item: it.id } },
      h("div", { class: "item" },
        h("div", { class: "name" }, it.name, it.sold_out ? " " : "", it.sold_out ? h("span", { class: "badge soldout" }, "품절 · Sold out") : null),
        it.description ? h("div", { class: "muted" }, it.description) : null,
        h("div", { class: "price" }, won(it.price))),
      it.sold_out ? null : h("div", { class: "qty" },
        h("button", { type: "button", "aria-label": `${it.name} 빼기`, class: "minus", onclick: () => change(-1) }, "−"),
        out,
        h("button", { type: "button", "aria-label": `${it.name} 담기`, class: "plus", onclick: () => change(1) }, "+")));
  }));
}

function updateCart() {
  let n = 0, total = 0;
  for (const [itemID, q] of illuwa.cart) {
    const it = illuwa.menu.find((m) => m.id === itemID);
    n += q;
    total += q * (it?.price || 0);
  }
  $("cart-count").textContent = `${n}개`;
  $("cart-total").textContent = won(total);
  $("order").disabled = n === 0;
}

$("order").addEventListener("click", async () => {
  const errEl = $("order-error");
  showError(errEl, null);
  if (!token()) {
    location.assign(`/login.html?next=${encodeURIComponent(location.pathname + location.search)}`);
    return;
  }
  if (savedUser()?.role !== "customer") {
    showError(errEl, { message: "손님 계정으로 로그인해야 주문할 수 있습니다 · log in as a customer to order" });
    return;
  }
  illuwa.state = "ordering";
  $("order").disabled = true;
  let order;
  try {
    order = await api("POST", "/orders", {
      pocha_id: id,
      items: [...illuwa.cart].map(([menuItemID, quantity]) => ({ menu_item_id: menuItemID, quantity })),
    });
  } catch (err) {
    illuwa.state = "ready";
    $("order").disabled = false;
    showError(errEl, err.code === "pocha_closed" ? { message: "지금은 주문을 받지 않습니다 · the stall is closed" } : err);
    return;
  }
  const first = order.items[0];
  const name = `${illuwa.pocha.name} · ${first.name}${order.items.length > 1 ? ` 외 ${order.items.length - 1}건` : ""}`;
  try {
    await startCheckout(order, name);
  } catch {
    location.assign(`/order.html?id=${order.id}`); // it explains that payment is unavailable
  }
});
