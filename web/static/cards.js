// /cards.html: the customer's saved cards (masked numbers only): add one
// (the number goes to the payment gateway through the API), rename, remove.
import { api, savedUser, token } from "./api.js";
import { $, h, showError, timeText } from "./dom.js";
import { t } from "./i18n.js";
import { mountUser } from "./topbar.js";

const illuwa = { state: "loading", cards: [] };
window.illuwa = illuwa;
mountUser($("user"));

if (!token()) {
  location.replace(`/login.html?next=${encodeURIComponent("/cards.html")}`);
} else if (savedUser()?.role !== "customer") {
  illuwa.state = "ready";
  showError($("page-error"), { message: t("cards.customers_only") });
  $("card-form").hidden = true;
} else {
  await load();
}

async function load() {
  try {
    const list = await api("GET", "/payment-methods");
    illuwa.cards = list.items;
    render();
    illuwa.state = "ready";
  } catch (err) {
    illuwa.state = "error";
    showError($("cards-error"), err);
  }
}

function render() {
  $("cards").replaceChildren(...illuwa.cards.map(card));
  $("cards-empty").hidden = illuwa.cards.length > 0;
}

function card(c) {
  const name = h("input", { value: c.nickname, maxlength: 30, name: "nickname", "aria-label": t("cards.rename_of", { card: c.masked_number }) });
  const err = h("p", { class: "error", role: "alert", hidden: true });
  const li = h("li", { dataset: { card: c.id } },
    h("div", { class: "spread" }, h("strong", { class: "card-number" }, c.masked_number), h("span", { class: "muted" }, c.brand)),
    h("div", { class: "row" }, name,
      h("button", { type: "button", class: "small rename", onclick: async () => {
        showError(err, null);
        try {
          Object.assign(c, await api("PATCH", `/payment-methods/${c.id}`, { nickname: name.value.trim() }));
          name.value = c.nickname;
        } catch (e) {
          showError(err, e);
        }
      } }, t("cards.rename")),
      h("button", { type: "button", class: "small danger remove", "aria-label": t("cards.remove_of", { card: c.masked_number }), onclick: async () => {
        if (!confirm(t("cards.remove_confirm", { card: c.masked_number }))) return;
        showError(err, null);
        try {
          await api("DELETE", `/payment-methods/${c.id}`);
          illuwa.cards = illuwa.cards.filter((x) => x.id !== c.id);
          render();
          $("cards-heading").focus?.();
        } catch (e) {
          showError(err, e);
        }
      } }, t("common.delete"))),
    h("div", { class: "muted" }, t("cards.saved_at", { at: timeText(c.created_at) })), err);
  return li;
}

$("card-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  $("card-submit").disabled = true;
  showError($("card-error"), null);
  try {
    const c = await api("POST", "/payment-methods", {
      card_number: String(f.get("card_number")).trim(),
      exp_month: Number(f.get("exp_month")),
      exp_year: Number(f.get("exp_year")),
      nickname: String(f.get("nickname") || "").trim(),
    });
    illuwa.cards.unshift(c);
    render();
    e.target.reset();
  } catch (err) {
    showError($("card-error"), err);
  } finally {
    $("card-submit").disabled = false;
  }
});
