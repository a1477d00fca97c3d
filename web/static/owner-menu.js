// The owner's menu editor: rename, reprice, sold-out toggle, delete, add.
import { api } from "./api.js";
import { $, h, showError } from "./dom.js";
import { t } from "./i18n.js";

export class MenuEditor {
  constructor() {
    this.pochaID = 0;
    $("menu-add").addEventListener("submit", (e) => {
      e.preventDefault();
      this.add(e.target);
    });
  }

  async show(pochaID) {
    this.pochaID = pochaID;
    try {
      const menu = await api("GET", `/pochas/${pochaID}/menu`);
      if (pochaID !== this.pochaID) return;
      $("menu-edit").replaceChildren(...menu.items.map((it) => this.row(it)));
      showError($("menu-error"), null);
    } catch (err) {
      showError($("menu-error"), err);
    }
  }

  row(it) {
    const name = h("input", { class: "name", name: "name", value: it.name, maxlength: 60, "aria-label": t("menu.name_of", { name: it.name }) });
    const price = h("input", { class: "price", name: "price", type: "number", min: 0, max: 10000000, step: 100, value: String(it.price), "aria-label": t("menu.price_of", { name: it.name }) });
    const soldOut = h("input", { type: "checkbox", checked: it.sold_out });
    const save = h("button", { type: "button", class: "small", disabled: true, "aria-label": t("menu.save_of", { name: it.name }) }, t("common.save"));
    const dirty = () => (save.disabled = name.value.trim() === it.name && Number(price.value) === it.price);
    name.addEventListener("input", dirty);
    price.addEventListener("input", dirty);
    const li = h("li", { dataset: { item: it.id } }, name, price,
      h("label", { class: "inline" }, soldOut, t("stall.sold_out")), save,
      h("button", { type: "button", class: "small danger", "aria-label": t("menu.delete_of", { name: it.name }), onclick: () => this.remove(it, li) }, "✕"));
    save.addEventListener("click", () => this.patch(it, { name: name.value.trim(), price: Number(price.value) }, li));
    soldOut.addEventListener("change", () => this.patch(it, { sold_out: soldOut.checked }, li));
    return li;
  }

  async patch(it, change, li) {
    showError($("menu-error"), null);
    try {
      li.replaceWith(this.row(await api("PATCH", `/pochas/${this.pochaID}/menu/${it.id}`, change)));
    } catch (err) {
      showError($("menu-error"), err);
    }
  }

  async remove(it, li) {
    if (!confirm(t("menu.delete_confirm", { name: it.name }))) return;
    try {
      await api("DELETE", `/pochas/${this.pochaID}/menu/${it.id}`);
      li.remove();
    } catch (err) {
      showError($("menu-error"), err);
    }
  }

  async add(form) {
    showError($("menu-error"), null);
    const f = new FormData(form);
    try {
      const it = await api("POST", `/pochas/${this.pochaID}/menu`, { name: String(f.get("name")).trim(), price: Number(f.get("price")) });
      $("menu-edit").append(this.row(it));
      form.reset();
    } catch (err) {
      showError($("menu-error"), err);
    }
  }
}
