// The customer's live map: stalls as markers that move as the server pushes
// events over /ws. See the WebSocket protocol in the project's docs.
import { t } from "./i18n.js";
import { StallLayer } from "./stalls.js";
import { Finder } from "./finder.js";
import { LiveSocket, liveURL } from "./socket.js";
import { mountUser } from "./topbar.js";

const MAX_RADIUS_M = 5000;
const WATCH_DEBOUNCE_MS = 300;

// Exposed for tests and debugging: markers holds each stall's latest position
// (id -> {lat, lng}), state the connection's ("connecting", "live",
// "reconnecting"), drawn(id) where a marker is drawn now, mid-move too, and
// map the Leaflet map.
const illuwa = { markers: new Map(), state: "connecting", drawn: () => null };
window.illuwa = illuwa;
mountUser(document.getElementById("user"));

const cfg = await loadConfig();
const map = L.map("map", { zoomControl: false, attributionControl: false, worldCopyJump: true })
  .setView([cfg.default_lat, cfg.default_lng], cfg.default_zoom);
illuwa.map = map;
L.control.zoom({ position: "bottomright", zoomInTitle: t("map.zoom_in"), zoomOutTitle: t("map.zoom_out") }).addTo(map);
L.control.attribution({ prefix: '<a href="https://leafletjs.com">Leaflet</a>' }).addTo(map);
gridLayer().addTo(map);
L.tileLayer(cfg.tile_url, { maxZoom: 19, attribution: cfg.tile_attribution, crossOrigin: false }).addTo(map);
map.on("popupopen", (e) => {
  const close = e.popup.getElement()?.querySelector(".leaflet-popup-close-button");
  if (close) close.setAttribute("aria-label", t("common.close"));
});

const stalls = new StallLayer(map, illuwa.markers);
illuwa.drawn = (id) => stalls.drawn(id);
const finder = new Finder(map, stalls);
const statusEl = document.getElementById("status");
const countEl = document.getElementById("count");

const socket = new LiveSocket(liveURL, {
  state: setState,
  open: sendWatch,
  message: onMessage,
});
window.addEventListener("pagehide", () => socket.close());
window.addEventListener("offline", () => setState(illuwa.state));
window.addEventListener("online", () => setState(illuwa.state));

let watchTimer = 0;
map.on("moveend", () => {
  updateCount();
  clearTimeout(watchTimer);
  watchTimer = setTimeout(sendWatch, WATCH_DEBOUNCE_MS);
});

function onMessage(msg) {
  switch (msg.type) {
    case "snapshot":
      stalls.snapshot(msg.pochas || []);
      break;
    case "pocha.moved":
    case "pocha.opened":
      stalls.place(msg);
      break;
    case "pocha.left":
    case "pocha.closed":
      stalls.remove(msg);
      break;
    case "error":
      console.warn("illuwa: server error", msg.code, msg.message);
      return;
    default:
      return; // hello, orders and notifications are not for this page
  }
  updateCount();
}

// sendWatch asks for the stalls of a circle around the centre that covers the
// visible map, capped at MAX_RADIUS_M.
function sendWatch() {
  const c = map.getCenter();
  const corner = map.getBounds().getNorthEast();
  const radius = Math.min(MAX_RADIUS_M, Math.max(1, Math.ceil(map.distance(c, corner))));
  socket.send({ type: "watch", lat: round6(c.lat), lng: round6(L.Util.wrapNum(c.lng, [-180, 180], true)), radius_m: radius });
}

// setState shows the connection's state; while the device is offline a
// reconnecting socket shows as offline.
function setState(state) {
  illuwa.state = state;
  const shown = state !== "live" && !navigator.onLine ? "offline" : state;
  statusEl.dataset.state = shown;
  statusEl.textContent = t("conn." + shown);
}

function updateCount() {
  const n = stalls.countIn(map.getBounds());
  countEl.textContent = t("map.count", { n });
  countEl.dataset.count = String(n);
  finder.changed();
}

async function loadConfig() {
  const res = await fetch("/config.json", { cache: "no-cache" });
  if (!res.ok) throw new Error(`illuwa: config.json: HTTP ${res.status}`);
  return res.json();
}

// gridLayer draws a faint grid under the tiles, so the map still reads as a
// map (and pans visibly) when the tile server cannot be reached.
function gridLayer() {
  const Grid = L.GridLayer.extend({
    createTile() {
      const tile = document.createElement("div");
      tile.className = "illuwa-grid";
      return tile;
    },
  });
  return new Grid({ tileSize: 128, zIndex: 0 });
}

function round6(x) {
  return Math.round(x * 1e6) / 1e6;
}
