// The stall page (/pocha.html?id=12, also /pochas/12): the stall, its live
// position, its menu with a cart, ordering and paying, and its reviews.
import { api, savedUser, token } from "./api.js";
import { startCheckout } from "./checkout.js";
import { $, h, showError, won } from "./dom.js";
import { categoryName } from "./categories.js";
import { DAYS, openState } from "./hours.js";
import { t } from "./i18n.js";
import { StallMap } from "./minimap.js";
import { Reviews } from "./reviews.js";
import { mountUser } from "./topbar.js";

// Exposed for tests: the stall, the menu, the cart (menu item id -> quantity),
// whether it is a favourite, and the page's state ("loading", "ready",
// "ordering", "error").
const illuwa = { state: "loading", pocha: null, menu: [], cart: new Map(), favourite: false };
window.illuwa = illuwa;

const id = stallID();
mountUser($("user"));

try {
  if (!id) throw { message: t("stall.no_id") };
  const [pocha, menu] = await Promise.all([api("GET", `/pochas/${id}`), api("GET", `/pochas/${id}/menu`)]);
  illuwa.pocha = pocha;
  illuwa.menu = menu.items;
  showStall(pocha);
  showMenu(menu.items);
  updateCart();
  new StallMap($("minimap"), $("where"), pocha, (open) => showOpen(open)).start();
  new Reviews(id, pocha.owner_id).start();
  await showFavourite(id);
  illuwa.state = "ready";
} catch (err) {
  illuwa.state = "error";
  showError($("page-error"), err.status === 404 ? { message: t("stall.not_found") } : err);
}

// showFavourite offers a signed-in customer to keep the stall as a favourite
// (told when it opens, see the profile's alert settings).
async function showFavourite(pochaID) {
  const user = token() ? savedUser() : null;
  if (!user || user.role !== "customer") return;
  const btn = $("fav");
  const render = () => {
    btn.textContent = t(illuwa.favourite ? "stall.favourite_on" : "stall.favourite_off");
    btn.setAttribute("aria-pressed", String(illuwa.favourite));
  };
  try {
    const mine = await api("GET", "/me/favourites");
    illuwa.favourite = mine.items.some((p) => p.id === pochaID);
  } catch {
    return; // the page works without it
  }
  render();
  btn.hidden = false;
  btn.addEventListener("click", async () => {
    btn.disabled = true;
    try {
      await api(illuwa.favourite ? "DELETE" : "PUT", `/pochas/${pochaID}/favourite`);
      illuwa.favourite = !illuwa.favourite;
      render();
    } catch (err) {
      showError($("page-error"), err);
    } finally {
      btn.disabled = false;
    }
  });
}

function stallID() {
  const m = /^\/pochas\/(\d+)\/?$/.exec(location.pathname);
  const raw = m ? m[1] : new URLSearchParams(location.search).get("id");
  return /^\d+$/.test(raw || "") && Number(raw) > 0 ? Number(raw) : 0;
}

function showStall(p) {
  document.title = t("stall.title_of", { name: p.name });
  $("info").removeAttribute("aria-busy");
  $("name").textContent = p.name;
  const img = $("main-image");
  img.hidden = !p.main_image_url;
  if (p.main_image_url) {
    img.src = p.main_image_url;
    img.alt = t("stall.image_alt", { name: p.name });
  }
  showOpen(p.is_open);
  const line = [categoryName(p.category),
    p.review_count > 0 ? t("list.stars", { rating: p.rating.toFixed(1), n: p.review_count }) : ""].filter(Boolean).join(" · ");
  $("card-line").hidden = !line;
  $("card-line").textContent = line;
  $("notice").hidden = !p.notice;
  $("notice").textContent = p.notice ? t("stall.notice", { notice: p.notice }) : "";
  $("desc").textContent = p.description || "";
  showHours(p.hours || {});
}

// showOpen shows whether the stall is open: live on the map, and by its hours.
function showOpen(live) {
  illuwa.live = live;
  const state = openState(live, illuwa.pocha?.hours);
  const b = $("open-badge");
  b.textContent = t("open." + state);
  b.classList.toggle("open", state === "open");
  b.classList.toggle("warn", state === "live_off_hours" || state === "hours_not_live");
  b.dataset.open = String(state === "open");
  b.dataset.state = state;
}

function showHours(hours) {
  const today = new Intl.DateTimeFormat("en-US", { weekday: "short", timeZone: "Asia/Seoul" }).format(new Date()).toLowerCase();
  const rows = DAYS.map((key) => {
    const spans = hours[key] || [];
    const text = spans.length ? spans.map((s) => `${s.open}–${s.close}`).join(", ") : t("hours.closed_day");
    return h("tr", { class: key === today ? "today" : "" }, h("th", { scope: "row" }, t("day." + key)), h("td", {}, text));
  });
  $("hours").replaceChildren(...(Object.values(hours).some((d) => d?.length) ? rows : [h("tr", {}, h("td", { class: "muted" }, t("hours.none")))]));
}

function showMenu(items) {
  const list = $("menu");
  if (!items.length) {
    list.replaceChildren(h("li", { class: "muted" }, t("stall.no_menu")));
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
      it.image_url ? h("img", { class: "thumb", src: it.image_url, alt: "", loading: "lazy" }) : null,
      h("div", { class: "item" },
        h("div", { class: "name" }, it.name, it.sold_out ? " " : "", it.sold_out ? h("span", { class: "badge soldout" }, t("stall.sold_out")) : null),
        it.description ? h("div", { class: "muted" }, it.description) : null,
        h("div", { class: "price" }, won(it.price))),
      it.sold_out ? null : h("div", { class: "qty" },
        h("button", { type: "button", "aria-label": t("stall.minus", { name: it.name }), class: "minus", onclick: () => change(-1) }, "−"),
        out,
        h("button", { type: "button", "aria-label": t("stall.plus", { name: it.name }), class: "plus", onclick: () => change(1) }, "+")));
  }));
}

function updateCart() {
  let n = 0, total = 0;
  for (const [itemID, q] of illuwa.cart) {
    const it = illuwa.menu.find((m) => m.id === itemID);
    n += q;
    total += q * (it?.price || 0);
  }
  $("cart-count").textContent = t("cart.count", { n });
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
    showError(errEl, { message: t("stall.customers_only") });
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
    showError(errEl, err);
    return;
  }
  const first = order.items[0];
  const name = order.items.length > 1
    ? t("order.name_many", { stall: illuwa.pocha.name, item: first.name, n: order.items.length - 1 })
    : t("order.name_one", { stall: illuwa.pocha.name, item: first.name });
  try {
    await startCheckout(order, name);
  } catch {
    location.assign(`/order.html?id=${order.id}`); // it explains that payment is unavailable
  }
});
