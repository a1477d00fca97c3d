// The map's list view and search: a sheet over the map listing the stalls
// in view (nearest the centre first), or the results of a search by name,
// menu item and category (GET /api/v1/pochas/search), with each stall's
// category, stars and whether its hours say it is open; and a button that
// centres the map on the user's position.
import { t } from "./i18n.js";
import { CATEGORIES, categoryName } from "./categories.js";

export class Finder {
  // map: the Leaflet map; stalls: its StallLayer.
  constructor(map, stalls) {
    this.map = map;
    this.stalls = stalls;
    this.results = null; // the last search's items, or null for "in view"
    this.sheet = document.getElementById("list");
    this.items = document.getElementById("list-items");
    this.title = document.getElementById("list-title");
    this.empty = document.getElementById("list-empty");
    this.toggle = document.getElementById("list-toggle");
    this.clear = document.getElementById("list-clear");
    this.form = document.getElementById("finder");
    this.q = document.getElementById("q");
    this.category = document.getElementById("category");
    this.error = document.getElementById("find-error");

    for (const c of CATEGORIES) this.category.append(new Option(categoryName(c), c));
    this.toggle.addEventListener("click", () => this.show(this.sheet.hidden));
    this.clear.addEventListener("click", () => {
      this.results = null;
      this.q.value = "";
      this.category.value = "";
      this.render();
      this.q.focus();
    });
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.search();
    });
    document.getElementById("locate").addEventListener("click", () => this.locate());
  }

  // show opens or closes the sheet.
  show(open) {
    this.sheet.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    this.toggle.textContent = t(open ? "list.hide" : "list.show");
    if (open) this.render();
  }

  // changed re-draws the "in view" list after the map or its stalls changed.
  changed() {
    if (!this.sheet.hidden && this.results === null) this.render();
  }

  async search() {
    const q = this.q.value.trim(), category = this.category.value;
    this.error.textContent = "";
    if (!q && !category) {
      this.error.textContent = t("find.need_text");
      this.q.focus();
      return;
    }
    const c = this.map.getCenter();
    const params = new URLSearchParams({ lat: c.lat.toFixed(6), lng: L.Util.wrapNum(c.lng, [-180, 180], true).toFixed(6) });
    if (q) params.set("q", q);
    if (category) params.set("category", category);
    let res;
    try {
      res = await fetch("/api/v1/pochas/search?" + params, { headers: { Accept: "application/json" } });
    } catch {
      this.error.textContent = t("find.offline");
      return;
    }
    if (!res.ok) {
      this.error.textContent = t("find.failed");
      return;
    }
    const body = await res.json();
    this.results = body.items.map((p) => ({ id: p.id, name: p.name, category: p.category, rating: p.rating,
      review_count: p.review_count, open_by_hours: p.open_by_hours, is_open: p.is_open, distance_m: p.distance_m }));
    this.show(true);
  }

  render() {
    const inView = this.results === null;
    const rows = inView ? this.stalls.inside(this.map.getBounds(), this.map.getCenter()).map((r) => ({ ...r, is_open: true })) : this.results;
    this.title.textContent = inView ? t("list.in_view", { n: rows.length }) : t("list.found", { n: rows.length });
    this.clear.hidden = inView;
    this.empty.hidden = rows.length > 0;
    this.empty.textContent = inView ? t("list.none_in_view") : t("list.none_found");
    this.items.replaceChildren(...rows.map(row));
    this.sheet.dataset.mode = inView ? "view" : "search";
  }

  // locate centres the map on the device's position, if the user allows it.
  locate() {
    this.error.textContent = "";
    if (!navigator.geolocation) {
      this.error.textContent = t("map.locate_unavailable");
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => this.map.setView([pos.coords.latitude, pos.coords.longitude], Math.max(this.map.getZoom(), 15)),
      () => { this.error.textContent = t("map.locate_denied"); },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 },
    );
  }
}

// row is one stall of the list: its name linking to its page, then what
// is known of it.
function row(p) {
  const li = document.createElement("li");
  li.className = "stall-row";
  li.dataset.id = String(p.id);
  const a = document.createElement("a");
  a.href = `/pochas/${encodeURIComponent(p.id)}`;
  a.className = "stall-row-name";
  a.textContent = p.name || `#${p.id}`;
  const meta = document.createElement("span");
  meta.className = "stall-row-meta";
  const bits = [];
  if (p.category) bits.push(span("cat", categoryName(p.category)));
  bits.push(p.review_count > 0
    ? span("stars", t("list.stars", { rating: p.rating.toFixed(1), n: p.review_count }), t("list.stars_label", { rating: p.rating.toFixed(1), n: p.review_count }))
    : span("stars none", t("list.no_reviews")));
  if (!p.is_open) bits.push(span("live closed", t("list.closed_now")));
  if (p.open_by_hours !== null && p.open_by_hours !== undefined) {
    bits.push(span(p.open_by_hours ? "hours in" : "hours out", t(p.open_by_hours ? "list.in_hours" : "list.out_of_hours")));
  }
  if (typeof p.distance_m === "number") bits.push(span("dist", distance(p.distance_m)));
  meta.append(...bits);
  li.append(a, meta);
  return li;
}

function span(cls, text, label) {
  const s = document.createElement("span");
  s.className = cls;
  s.textContent = text;
  if (label) s.setAttribute("aria-label", label);
  return s;
}

function distance(m) {
  return m < 1000 ? t("list.metres", { n: Math.round(m) }) : t("list.km", { n: (m / 1000).toFixed(1) });
}
