// The stall page's reviews: statistics, the list paged by cursor, and the
// review form for the logged-in customer's completed orders at this stall.
import { api, savedUser, token } from "./api.js";
import { $, h, showError, timeText, won } from "./dom.js";
import { t } from "./i18n.js";

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
      el.replaceChildren(h("p", { class: "muted" }, t("review.none")));
      return;
    }
    const max = Math.max(...Object.values(s.per_star), 1);
    el.replaceChildren(
      h("p", {}, h("span", { class: "stars", "aria-hidden": "true" }, "★".repeat(Math.round(s.average))), " ",
        t("review.summary", { avg: s.average.toFixed(1), n: s.count }),
        h("span", { class: "muted" }, " ", t("review.recent", { days: s.recent_days, n: s.recent_count }))),
      h("div", { class: "bars", role: "list", "aria-label": t("review.per_star") }, ...[5, 4, 3, 2, 1].map((n) =>
        h("div", { class: "bar-row", role: "listitem", "aria-label": t("review.star_count", { stars: n, n: s.per_star[n] }) },
          h("span", { "aria-hidden": "true" }, `${n}★`),
          h("span", { class: "bar", "aria-hidden": "true" }, barFill(s.per_star[n] / max)),
          h("span", { "aria-hidden": "true" }, String(s.per_star[n]))))),
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
        showError(errEl, err);
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
      h("span", {}, h("span", { class: "stars", role: "img", "aria-label": t("review.stars", { n: r.stars }) }, "★".repeat(r.stars)), " ", h("strong", {}, r.author_nickname)),
      h("span", { class: "muted" }, timeText(r.created_at), r.public ? "" : ` · ${t("review.private")}`)),
    h("p", { class: "prewrap" }, r.content),
    r.reply ? h("div", { class: "reply" }, h("strong", {}, t("review.owner_reply")), " ", r.reply.content) : null);
}
