// The owner's view of a stall's reviews (private ones too), with replies.
import { api } from "./api.js";
import { $, h, timeText } from "./dom.js";

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
      if (!page.items.length && !this.cursor) $("owner-reviews").append(h("li", { class: "muted" }, "아직 리뷰가 없습니다 · no reviews yet"));
      this.cursor = page.next_cursor;
      $("owner-more-reviews").hidden = !this.cursor;
    } catch {
      $("owner-more-reviews").hidden = true;
    }
  }

  item(r) {
    const text = h("input", { placeholder: "답글 · reply", maxlength: 1000, value: r.reply?.content || "", class: "reason" });
    const err = h("span", { class: "error", hidden: true });
    const li = h("li", { dataset: { review: r.id } },
      h("div", { class: "spread" }, h("span", {}, h("span", { class: "stars" }, "★".repeat(r.stars)), ` ${r.author_nickname}`),
        h("span", { class: "muted" }, `${timeText(r.created_at)}${r.public ? "" : " · 비공개"}`)),
      h("p", {}, r.content),
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
            err.textContent = e.message;
          }
        } }, r.reply ? "답글 수정" : "답글 달기"), err));
    return li;
  }
}
