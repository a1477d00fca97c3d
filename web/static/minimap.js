// A small map of one stall's live position on the stall page: it watches a
// circle around the stall over /ws and follows its moves (applying only
// newer positions, as the map does).
import { ago } from "./dom.js";
import { t } from "./i18n.js";
import { LiveSocket, liveURL } from "./socket.js";
import { isNewer } from "./stalls.js";

const WATCH_RADIUS_M = 2000;

export class StallMap {
  // el: the map's element; whereEl: where the position's age is written;
  // pocha: the stall as GET /pochas/{id} returns it; onOpen(bool): called
  // when the stall opens or closes.
  constructor(el, whereEl, pocha, onOpen) {
    this.el = el;
    this.whereEl = whereEl;
    this.id = pocha.id;
    this.name = pocha.name;
    this.pos = pocha.location; // {lat, lng, at} or null
    this.onOpen = onOpen;
    this.map = null;
    this.marker = null;
    this.centre = null;
  }

  async start() {
    const cfg = await fetch("/config.json", { cache: "no-cache" }).then((r) => r.json()).catch(() => null);
    this.cfg = cfg;
    const centre = this.pos || (cfg && { lat: cfg.default_lat, lng: cfg.default_lng });
    if (!centre) return;
    this.centre = centre;
    this.socket = new LiveSocket(liveURL, {
      state: () => {},
      open: () => this.watch(),
      message: (msg) => this.onMessage(msg),
    });
    window.addEventListener("pagehide", () => this.socket.close());
    setInterval(() => this.showWhere(), 15000);
    this.draw();
  }

  watch() {
    const c = this.pos || this.centre;
    this.centre = c;
    this.socket.send({ type: "watch", lat: c.lat, lng: c.lng, radius_m: WATCH_RADIUS_M });
  }

  onMessage(msg) {
    switch (msg.type) {
      case "snapshot": {
        const p = (msg.pochas || []).find((s) => s.id === this.id);
        if (p) this.move(p);
        break;
      }
      case "pocha.moved":
      case "pocha.opened":
        if (msg.id === this.id) this.move(msg);
        break;
      case "pocha.left":
        if (msg.id === this.id && isNewer(msg.at, this.pos?.at)) {
          this.pos = { lat: msg.lat, lng: msg.lng, at: msg.at };
          this.draw();
          this.watch(); // follow it to its new area
        }
        break;
      case "pocha.closed":
        if (msg.id === this.id && isNewer(msg.at, this.pos?.at)) {
          this.pos = null;
          this.onOpen(false);
          this.draw();
        }
        break;
    }
  }

  move(p) {
    if (this.pos && !isNewer(p.at, this.pos.at)) return;
    this.pos = { lat: p.lat, lng: p.lng, at: p.at };
    this.onOpen(true);
    this.draw();
  }

  draw() {
    this.showWhere();
    this.el.hidden = !this.pos;
    if (!this.pos) return;
    if (!this.map) {
      this.map = L.map(this.el, { zoomControl: false, attributionControl: false, dragging: true, scrollWheelZoom: false, keyboard: false })
        .setView([this.pos.lat, this.pos.lng], 16);
      L.control.attribution({ prefix: '<a href="https://leafletjs.com">Leaflet</a>' }).addTo(this.map);
      if (this.cfg) L.tileLayer(this.cfg.tile_url, { maxZoom: 19, attribution: this.cfg.tile_attribution }).addTo(this.map);
      const dot = document.createElement("span");
      dot.className = "stall-dot";
      this.marker = L.marker([this.pos.lat, this.pos.lng], {
        title: this.name,
        keyboard: false,
        interactive: false,
        icon: L.divIcon({ className: "illuwa-stall", html: dot, iconSize: [22, 22], iconAnchor: [11, 11] }),
      }).addTo(this.map);
      return;
    }
    this.marker.setLatLng([this.pos.lat, this.pos.lng]);
    this.map.panTo([this.pos.lat, this.pos.lng]);
  }

  showWhere() {
    this.whereEl.textContent = this.pos ? t("stall.live_position", { ago: ago(this.pos.at) }) : t("stall.not_on_map");
    window.illuwa && (window.illuwa.position = this.pos);
  }
}
