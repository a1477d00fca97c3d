// The stall page's reviews: statistics, the list paged by cursor, and the
// review form for the logged-in customer's completed orders at this stall.
import { api, savedUser, token } from "./api.js";
import { $, h, showError, timeText, won } from "./dom.js";

const PAGE = 10;

export class Reviews {
  constructor(pochaID, ownerID) {
    this.id = pochaID;
    this.ownerID = ownerID;
    this.cursor = null;
  }

  start() {
    this.loadStats().catch((err) => showError($("review-error"), err));
    this.more().catch(() => {});
    $("more-reviews").addEventListener("click", () => this.more());
    this.offerForm().catch(() => {}); // no form when the orders cannot be read
  }

  async loadStats() {
    const s = await api("GET", `/pochas/${this.id}/reviews/stats`);
    const el = $("stats");
    if (!s.count) {
      el.replaceChildren(h("p", { class: "muted" }, "아직 리뷰가 없습니다 · no reviews yet"));
      return;
    }
    const max = Math.max(...Object.values(s.per_star), 1);
    el.replaceChildren(
      h("p", {}, h("span", { class: "stars" }, "★".repeat(Math.round(s.average))), ` ${s.average.toFixed(1)} · 리뷰 ${s.count}개`,
        h("span", { class: "muted" }, ` (최근 ${s.recent_days}일 ${s.recent_count}개)`)),
      h("div", { class: "bars" }, ...[5, 4, 3, 2, 1].flatMap((n) => [
        h("span", {}, `${n}★`),
        h("span", { class: "bar" }, barFill(s.per_star[n] / max)),
        h("span", {}, String(s.per_star[n])),
      ])),
    );
  }

  async more() {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (this.cursor) q.set("cursor", this.cursor);
    const page = await api("GET", `/pochas/${this.id}/reviews?${q}`);
    $("reviews").append(...page.items.map((r) => reviewItem(r)));
    this.cursor = page.next_cursor;
    $("more-reviews").hidden = !this.cursor;
  }

  // offerForm shows the review form when the customer has completed orders here.
  async offerForm() {
    if (!token() || savedUser()?.role !== "customer") return;
    const page = await api("GET", `/orders?pocha_id=${this.id}&status=completed&limit=20`);
    const select = $("review-order");
    select.replaceChildren(...page.items.map((o) =>
      h("option", { value: o.id }, `#${o.id} · ${timeText(o.created_at)} · ${o.items.map((i) => i.name).join(", ")} · ${won(o.total)}`)));
    const form = $("review-form");
    form.hidden = page.items.length === 0;
    const wanted = new URLSearchParams(location.search).get("review");
    if (wanted) select.value = wanted;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit(form);
    });
  }

  async submit(form) {
    const errEl = $("review-error");
    const select = $("review-order");
    showError(errEl, null);
    $("review-submit").disabled = true;
    try {
      const r = await api("POST", `/pochas/${this.id}/reviews`, {
        order_id: Number(select.value),
        stars: Number($("review-stars").value),
        content: $("review-content").value.trim(),
        public: $("review-public").checked,
      });
      $("reviews").prepend(reviewItem(r));
      $("review-content").value = "";
      select.selectedOptions[0]?.remove();
      form.hidden = select.options.length === 0;
      this.loadStats().catch(() => {});
    } catch (err) {
      if (err.code === "already_reviewed") {
        select.selectedOptions[0]?.remove();
        form.hidden = select.options.length === 0;
        showError(errEl, { message: "이미 리뷰를 쓴 주문입니다 · already reviewed" });
      } else {
        showError(errEl, err);
      }
    } finally {
      $("review-submit").disabled = false;
    }
  }
}

function barFill(frac) {
  const span = h("span");
  span.style.width = `${Math.round(frac * 100)}%`; // CSSOM, allowed by the policy
  return span;
}

function reviewItem(r) {
  return h("li", { dataset: { review: r.id } },
    h("div", { class: "spread" },
      h("span", {}, h("span", { class: "stars" }, "★".repeat(r.stars)), " ", h("strong", {}, r.author_nickname)),
      h("span", { class: "muted" }, `${timeText(r.created_at)}${r.public ? "" : " · 비공개"}`)),
    h("p", {}, r.content),
    r.reply ? h("div", { class: "reply" }, `사장님 답글 · ${r.reply.content}`) : null);
}
