// The owner's view of a stall's reviews (private ones too), with replies.
import { api } from "./api.js";
import { $, h, timeText } from "./dom.js";
import { problemMessage, t } from "./i18n.js";

export class OwnerReviews {
  constructor() {
    this.pochaID = 0;
    this.cursor = null;
    $("owner-more-reviews").addEventListener("click", () => this.more());
  }

  show(pochaID) {
    this.pochaID = pochaID;
    this.cursor = null;
    $("owner-reviews").replaceChildren();
    return this.more();
  }

  async more() {
    const id = this.pochaID;
    const q = new URLSearchParams({ limit: "10" });
    if (this.cursor) q.set("cursor", this.cursor);
    try {
      const page = await api("GET", `/pochas/${id}/reviews?${q}`);
      if (id !== this.pochaID) return;
      $("owner-reviews").append(...page.items.map((r) => this.item(r)));
      if (!page.items.length && !this.cursor) $("owner-reviews").append(h("li", { class: "muted" }, t("review.none")));
      this.cursor = page.next_cursor;
      $("owner-more-reviews").hidden = !this.cursor;
    } catch {
      $("owner-more-reviews").hidden = true;
    }
  }

  item(r) {
    const text = h("input", { placeholder: t("review.reply"), maxlength: 1000, value: r.reply?.content || "", class: "reason", "aria-label": t("review.reply_to", { name: r.author_nickname }) });
    const err = h("span", { class: "error", hidden: true });
    const li = h("li", { dataset: { review: r.id } },
      h("div", { class: "spread" }, h("span", {}, h("span", { class: "stars", role: "img", "aria-label": t("review.stars", { n: r.stars }) }, "★".repeat(r.stars)), ` ${r.author_nickname}`),
        h("span", { class: "muted" }, timeText(r.created_at), r.public ? "" : ` · ${t("review.private")}`)),
      h("p", { class: "prewrap" }, r.content),
      h("div", { class: "row" }, text,
        h("button", { type: "button", class: "small primary", onclick: async () => {
          try {
            const body = text.value.trim();
            if (body) await api("PUT", `/reviews/${r.id}/reply`, { content: body });
            else await api("DELETE", `/reviews/${r.id}/reply`);
            err.hidden = true;
            li.classList.add("saved");
          } catch (e) {
            err.hidden = false;
            err.textContent = problemMessage(e);
          }
        } }, t(r.reply ? "review.reply_edit" : "review.reply_add")), err));
    return li;
  }
}
