// Stall markers on a Leaflet map, kept in step with the server's events.
// A position is applied only when its `at` is newer than the one we hold.
// Markers whose dots would overlap on screen are drawn as one group (the
// first one carries the count, its popup lists them all); a name label that
// would run off the map's right edge goes to the left of its dot, and one
// that would cover another label is left out.
import { t } from "./i18n.js";

const MOVE_MS = 1000;
// Dots closer than this (CSS pixels) are one group, so that every marker
// keeps a 24 px touch target clear of the others.
const GROUP_PX = 26;
// The label's offset from the dot's centre and its height.
const LABEL_DX = 16, LABEL_H = 20;

// atKey turns an RFC 3339 time (any number of fractional digits) into
// [epoch seconds, nanoseconds] so that times compare exactly.
export function atKey(at) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i.exec(at || "");
  if (!m) return [-Infinity, 0];
  const secs = Date.parse(m[1] + m[3]) / 1000;
  const nanos = Number(((m[2] || "") + "000000000").slice(0, 9));
  return [Number.isNaN(secs) ? -Infinity : secs, nanos];
}

// isNewer reports whether time a is strictly after time b (b may be undefined).
export function isNewer(a, b) {
  if (b === undefined) return true;
  const [as, an] = atKey(a), [bs, bn] = atKey(b);
  return as > bs || (as === bs && an > bn);
}

export class StallLayer {
  // map: a Leaflet map; positions: the Map<id,{lat,lng}> exposed to tests.
  constructor(map, positions) {
    this.map = map;
    this.positions = positions;
    this.stalls = new Map(); // id -> {marker, name, at, lat, lng, anim}
    this.gone = new Map(); // id -> at of its removal, so late moves stay out
    this.group = L.layerGroup().addTo(map);
    this.frame = 0;
    map.on("zoomend moveend resize", () => this.declutter());
  }

  // snapshot replaces every marker with the list, keeping a position we hold
  // that is newer than the snapshot's (an event that crossed it).
  snapshot(pochas) {
    const keep = new Set();
    this.gone.clear();
    for (const p of pochas) {
      keep.add(p.id);
      this.place(p, false);
    }
    for (const id of [...this.stalls.keys()]) {
      if (!keep.has(id)) this.drop(id);
    }
    this.declutter();
  }

  // place adds the stall or moves it (animated when `animate`), if p.at is
  // newer than what we hold for that id.
  place(p, animate = true) {
    const s = this.stalls.get(p.id);
    if (!s) {
      if (!isNewer(p.at, this.gone.get(p.id))) return;
      this.gone.delete(p.id);
      const marker = L.marker([p.lat, p.lng], { icon: stallIcon(p.name), title: p.name, riseOnHover: true });
      marker.bindPopup(() => popupFor(this.stalls.get(p.id)?.members || [{ id: p.id, name: p.name }]));
      this.stalls.set(p.id, { marker, name: p.name, at: p.at, lat: p.lat, lng: p.lng, anim: 0, members: null, card: cardOf(p) });
      this.positions.set(p.id, { lat: p.lat, lng: p.lng });
      marker.addTo(this.group);
      this.declutter();
      return;
    }
    if ("category" in p) s.card = cardOf(p); // snapshots carry the card, events do not
    if (!isNewer(p.at, s.at)) return;
    Object.assign(s, { at: p.at, lat: p.lat, lng: p.lng });
    if (p.name && p.name !== s.name) {
      s.name = p.name;
      s.marker.setIcon(stallIcon(p.name));
    }
    this.positions.set(p.id, { lat: p.lat, lng: p.lng });
    if (animate) this.glide(s); else this.jump(s);
    this.declutter();
  }

  // remove drops the stall unless we hold a position newer than ev.at.
  remove(ev) {
    const s = this.stalls.get(ev.id);
    if (s && isNewer(s.at, ev.at)) return;
    this.drop(ev.id);
    this.gone.set(ev.id, ev.at);
  }

  drop(id) {
    const s = this.stalls.get(id);
    if (!s) return;
    cancelAnimationFrame(s.anim);
    this.group.removeLayer(s.marker);
    this.stalls.delete(id);
    this.positions.delete(id);
    this.declutter();
  }

  jump(s) {
    cancelAnimationFrame(s.anim);
    s.marker.setLatLng([s.lat, s.lng]);
  }

  // glide moves the marker from where it is drawn now to its new position
  // over MOVE_MS, easing in and out.
  glide(s) {
    cancelAnimationFrame(s.anim);
    const from = s.marker.getLatLng();
    const to = L.latLng(s.lat, s.lng);
    const start = performance.now();
    const step = (now) => {
      const t = Math.min(1, (now - start) / MOVE_MS);
      const e = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
      if (t < 1) {
        s.marker.setLatLng([from.lat + (to.lat - from.lat) * e, from.lng + (to.lng - from.lng) * e]);
        s.anim = requestAnimationFrame(step);
      } else {
        s.marker.setLatLng(to);
        s.anim = 0;
        this.declutter();
      }
    };
    s.anim = requestAnimationFrame(step);
  }

  // drawn returns where the stall's marker is drawn now, or null.
  drawn(id) {
    const s = this.stalls.get(id);
    if (!s) return null;
    const p = s.marker.getLatLng();
    return { lat: p.lat, lng: p.lng };
  }

  // declutter groups overlapping dots and places the labels, once per frame.
  declutter() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.layout();
    });
  }

  layout() {
    const size = this.map.getSize();
    const placed = []; // label and dot rectangles drawn so far
    const leaders = []; // {s, x, y}
    const all = [...this.stalls.entries()].sort((a, b) => a[0] - b[0]);
    for (const [id, s] of all) {
      const el = s.marker.getElement();
      if (!el) continue;
      const p = this.map.latLngToContainerPoint(s.marker.getLatLng());
      const lead = leaders.find((l) => Math.abs(l.x - p.x) < GROUP_PX && Math.abs(l.y - p.y) < GROUP_PX);
      s.members = null;
      if (lead) {
        lead.s.members.push({ id, name: s.name });
        el.classList.add("grouped");
        continue;
      }
      el.classList.remove("grouped");
      s.members = [{ id, name: s.name }];
      leaders.push({ s, x: p.x, y: p.y, el });
      placed.push([p.x - 12, p.y - 12, p.x + 12, p.y + 12]);
    }
    for (const { s, x, y, el } of leaders) {
      const n = s.members.length;
      const badge = el.querySelector(".stall-count");
      badge.textContent = n > 1 ? String(n) : "";
      el.title = n > 1 ? t("map.group", { name: s.name, n: n - 1 }) : s.name;
      const label = el.querySelector(".stall-name");
      const w = label.offsetWidth || label.scrollWidth;
      let flip = x + LABEL_DX + w > size.x - 4;
      let r = flip ? [x - LABEL_DX - w, y - LABEL_H / 2, x - LABEL_DX, y + LABEL_H / 2] : [x + LABEL_DX, y - LABEL_H / 2, x + LABEL_DX + w, y + LABEL_H / 2];
      if (flip && r[0] < 4) {
        flip = false;
        r = [x + LABEL_DX, y - LABEL_H / 2, x + LABEL_DX + w, y + LABEL_H / 2];
      }
      const hit = placed.some((q) => r[0] < q[2] && q[0] < r[2] && r[1] < q[3] && q[1] < r[3]);
      el.classList.toggle("flip", flip);
      el.classList.toggle("quiet", hit);
      if (!hit) placed.push(r);
    }
  }

  // inside lists the stalls inside the Leaflet bounds with their card
  // (category, rating, review_count, open_by_hours) and distance in metres
  // from centre, nearest first.
  inside(bounds, centre) {
    const out = [];
    for (const [id, s] of this.stalls) {
      if (!bounds.contains([s.lat, s.lng])) continue;
      out.push({ id, name: s.name, ...s.card, distance_m: this.map.distance(centre, [s.lat, s.lng]) });
    }
    return out.sort((a, b) => a.distance_m - b.distance_m || a.id - b.id);
  }

  // countIn returns how many stalls lie inside the Leaflet bounds.
  countIn(bounds) {
    let n = 0;
    for (const s of this.stalls.values()) if (bounds.contains([s.lat, s.lng])) n++;
    return n;
  }
}

// cardOf keeps what a snapshot tells of a stall beside its position.
function cardOf(p) {
  return { category: p.category || "", rating: p.rating || 0, review_count: p.review_count || 0, open_by_hours: p.open_by_hours ?? null };
}

function stallIcon(name) {
  const root = document.createElement("div");
  const dot = document.createElement("span");
  dot.className = "stall-dot";
  const count = document.createElement("span");
  count.className = "stall-count";
  count.setAttribute("aria-hidden", "true");
  const label = document.createElement("span");
  label.className = "stall-name";
  label.setAttribute("aria-hidden", "true");
  label.textContent = name || "";
  root.append(dot, count, label);
  return L.divIcon({ className: "illuwa-stall", html: root, iconSize: [24, 24], iconAnchor: [12, 12], popupAnchor: [0, -13] });
}

// popupFor lists the stalls of a marker's group, each with a link to its page.
function popupFor(members) {
  const box = document.createElement("div");
  box.className = "stall-popup";
  for (const { id, name } of members) {
    const item = document.createElement("div");
    item.className = "stall-popup-item";
    const title = document.createElement("strong");
    title.textContent = name || `#${id}`;
    const link = document.createElement("a");
    link.href = `/pochas/${encodeURIComponent(id)}`;
    link.textContent = t("map.menu_link");
    link.setAttribute("aria-label", t("map.menu_link_of", { name: name || `#${id}` }));
    item.append(title, link);
    box.append(item);
  }
  return box;
}
