// The stall's profile in the owner's console: main picture (uploaded with
// POST /images, then set with PATCH), name, category, description, notice and the
// week's business hours, saved with one PATCH /pochas/{id}.
import { api, upload } from "./api.js";
import { $, h, showError } from "./dom.js";
import { CATEGORIES, categoryName } from "./categories.js";
import { DAYS } from "./hours.js";
import { t } from "./i18n.js";

const MAX_SPANS = 4;

export class ProfileEditor {
  // onStall(pocha) is called with the stall after each save.
  constructor(onStall) {
    this.onStall = onStall;
    this.pocha = null;
    $("profile-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
    $("profile-file").addEventListener("change", (e) => this.picture(e.target.files[0]));
    $("profile-remove-image").addEventListener("click", () => this.patch({ main_image_id: "" }));
    for (const c of CATEGORIES) $("profile-category").append(new Option(categoryName(c), c));
  }

  show(pocha) {
    this.pocha = pocha;
    showError($("profile-error"), null);
    $("profile-saved").hidden = true;
    $("profile-name").value = pocha.name;
    $("profile-category").value = pocha.category || "";
    $("profile-description").value = pocha.description || "";
    $("profile-notice").value = pocha.notice || "";
    this.showImage(pocha);
    const box = $("hours-edit");
    box.querySelectorAll(".day").forEach((d) => d.remove());
    for (const day of DAYS) box.append(this.dayRow(day, pocha.hours?.[day] || []));
  }

  showImage(p) {
    const img = $("profile-image");
    img.hidden = !p.main_image_url;
    $("profile-no-image").hidden = !!p.main_image_url;
    $("profile-remove-image").hidden = !p.main_image_url;
    if (p.main_image_url) {
      img.src = p.main_image_url;
      img.alt = t("stall.image_alt", { name: p.name });
    }
  }

  dayRow(day, spans) {
    const list = h("div", { class: "spans" });
    const add = h("button", { type: "button", class: "small add-span", "aria-label": t("owner.add_span_of", { day: t("day." + day) }) }, t("owner.add_span"));
    const row = h("div", { class: "day", dataset: { day } }, h("span", { class: "day-name", id: `day-${day}` }, t("day." + day)), list, add);
    const addSpan = (s) => {
      const n = list.children.length + 1;
      const open = h("input", { type: "time", class: "open", value: s.open, required: true, "aria-label": t("owner.open_at", { day: t("day." + day), n }) });
      const close = h("input", { type: "time", class: "close", value: s.close === "24:00" ? "00:00" : s.close, required: true, "aria-label": t("owner.close_at", { day: t("day." + day), n }) });
      const span = h("div", { class: "span" }, open, h("span", { "aria-hidden": "true" }, "–"), close,
        h("button", { type: "button", class: "small danger", "aria-label": t("owner.remove_span", { day: t("day." + day), n }), onclick: () => {
          span.remove();
          add.hidden = false;
          this.emptyNote(list);
          add.focus();
        } }, "✕"));
      list.append(span);
      add.hidden = list.children.length >= MAX_SPANS;
      this.emptyNote(list);
    };
    add.addEventListener("click", () => {
      addSpan({ open: "18:00", close: "02:00" });
      list.lastElementChild?.querySelector("input")?.focus();
    });
    spans.forEach(addSpan);
    this.emptyNote(list);
    return row;
  }

  emptyNote(list) {
    list.dataset.empty = String(!list.querySelector(".span"));
    list.dataset.closed = t("hours.closed_day");
  }

  // hours reads the week from the form; a close of 00:00 after an open of
  // 00:00 is the whole day (24:00).
  hours() {
    const out = {};
    for (const row of $("hours-edit").querySelectorAll(".day")) {
      const spans = [...row.querySelectorAll(".span")].map((s) => {
        const open = s.querySelector(".open").value;
        let close = s.querySelector(".close").value;
        if (close === "00:00") close = "24:00";
        return { open, close };
      });
      out[row.dataset.day] = spans;
    }
    return out;
  }

  async save() {
    await this.patch({
      name: $("profile-name").value.trim(),
      category: $("profile-category").value,
      description: $("profile-description").value,
      notice: $("profile-notice").value,
      hours: this.hours(),
    });
  }

  async patch(change) {
    const btn = $("profile-submit");
    btn.disabled = true;
    showError($("profile-error"), null);
    $("profile-saved").hidden = true;
    try {
      const p = await api("PATCH", `/pochas/${this.pocha.id}`, change);
      this.pocha = p;
      this.showImage(p);
      this.onStall(p);
      $("profile-saved").hidden = false;
    } catch (err) {
      showError($("profile-error"), err);
    } finally {
      btn.disabled = false;
    }
  }

  async picture(file) {
    if (!file) return;
    showError($("profile-error"), null);
    try {
      const img = await upload(file);
      await this.patch({ main_image_id: img.id });
    } catch (err) {
      showError($("profile-error"), err);
    } finally {
      $("profile-file").value = "";
    }
  }
}
