// The owner's stall on the live map: open it at the phone's position, close
// it, and broadcast the phone's moves as WebSocket `location` messages, at
// most one every THROTTLE_MS, each with the time the phone measured it.
import { api } from "./api.js";
import { $, ago, showError } from "./dom.js";
import { t } from "./i18n.js";

const THROTTLE_MS = 3000;

export class StallLive {
  // socket: the console's LiveSocket; onStall(pocha): called with the stall
  // after it opened or closed; status: the object exposed to tests.
  constructor(socket, onStall, status) {
    this.socket = socket;
    this.onStall = onStall;
    this.status = status; // {broadcasting, sent}
    this.pocha = null;
    this.watchID = null;
    this.lastSent = 0;
    this.pending = null;
    this.timer = 0;
    this.seq = 0;
    $("open-here").addEventListener("click", () => this.openHere());
    $("close-stall").addEventListener("click", () => this.close());
    $("broadcast").addEventListener("change", (e) => (e.target.checked ? this.startBroadcast() : this.stopBroadcast()));
  }

  // show switches to the stall (stopping a broadcast of another one) and
  // shows its state: on the map or not, and the buttons that fit it.
  show(pocha) {
    if (this.pocha?.id !== pocha.id) {
      this.stopBroadcast();
      showError($("live-error"), null);
    }
    this.pocha = pocha;
    this.render();
  }

  render() {
    const pocha = this.pocha;
    const open = pocha.is_open;
    const onAir = open && this.status.broadcasting;
    const badge = $("stall-open");
    badge.textContent = t(onAir ? "owner.on_air" : open ? "open.open" : "open.closed");
    badge.classList.toggle("open", open);
    badge.classList.toggle("on-air", onAir);
    badge.dataset.open = String(open);
    $("stall-where").textContent = pocha.location
      ? t("owner.where", { lat: pocha.location.lat.toFixed(5), lng: pocha.location.lng.toFixed(5), ago: ago(pocha.location.at) })
      : t("owner.not_on_map");
    const here = $("open-here");
    here.textContent = t(open ? "owner.move_here" : "owner.open_here");
    here.classList.toggle("primary", !open);
    here.dataset.action = open ? "move" : "open";
    const close = $("close-stall");
    close.disabled = !open;
    close.classList.toggle("danger", open);
    $("broadcast").disabled = !open;
  }

  async openHere() {
    showError($("live-error"), null);
    $("open-here").disabled = true;
    try {
      const pos = await new Promise((resolve, reject) =>
        navigator.geolocation.getCurrentPosition(resolve, reject, { enableHighAccuracy: true, timeout: 15000 }));
      this.onStall(await api("POST", `/pochas/${this.pocha.id}/open`, { lat: pos.coords.latitude, lng: pos.coords.longitude }));
    } catch (err) {
      showError($("live-error"), geoError(err));
    } finally {
      $("open-here").disabled = false;
    }
  }

  async close() {
    showError($("live-error"), null);
    this.stopBroadcast();
    try {
      this.onStall(await api("POST", `/pochas/${this.pocha.id}/close`));
    } catch (err) {
      showError($("live-error"), err);
    }
  }

  startBroadcast() {
    showError($("live-error"), null);
    if (!navigator.geolocation) {
      showError($("live-error"), { message: t("owner.no_geolocation") });
      $("broadcast").checked = false;
      return;
    }
    this.status.broadcasting = true;
    this.render();
    $("broadcast-status").textContent = t("owner.waiting_position");
    this.watchID = navigator.geolocation.watchPosition(
      (pos) => this.offer(pos),
      (err) => {
        // a later position clears this (see flush)
        showError($("live-error"), geoError(err));
      },
      { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 });
  }

  stopBroadcast() {
    if (this.watchID !== null) navigator.geolocation.clearWatch(this.watchID);
    this.watchID = null;
    clearTimeout(this.timer);
    this.timer = 0;
    this.pending = null;
    this.status.broadcasting = false;
    $("broadcast").checked = false;
    $("broadcast-status").textContent = "";
    if (this.pocha) this.render();
  }

  // offer sends pos now, or keeps it as the one to send when the throttle
  // allows (a newer position replaces a waiting one).
  offer(pos) {
    this.pending = pos;
    const wait = this.lastSent + THROTTLE_MS - Date.now();
    if (wait <= 0) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), wait);
  }

  flush() {
    this.timer = 0;
    const pos = this.pending;
    if (!pos || !this.pocha) return;
    this.pending = null;
    this.lastSent = Date.now();
    // The server takes only positions newer than the stall's last one (which
    // opening it here may have just set, by the server's clock): a fix
    // measured before that goes out as a millisecond after it.
    const last = Date.parse(this.pocha.location?.at || "") || 0;
    const at = Math.max(pos.timestamp, last + 1);
    const msg = {
      type: "location", ref: `loc-${++this.seq}`, pocha_id: this.pocha.id,
      lat: pos.coords.latitude, lng: pos.coords.longitude, at: new Date(at).toISOString(),
    };
    if (!this.socket.send(msg)) {
      showError($("live-error"), { message: t("owner.send_offline") });
      this.pending = pos;
      return;
    }
    this.status.sent++;
    showError($("live-error"), null); // a position went through: earlier trouble is over
    this.pocha = { ...this.pocha, location: { lat: pos.coords.latitude, lng: pos.coords.longitude, at: msg.at } };
    this.render();
    $("broadcast-status").textContent = t("owner.broadcasting", {
      lat: pos.coords.latitude.toFixed(5), lng: pos.coords.longitude.toFixed(5), acc: Math.round(pos.coords.accuracy),
    });
  }

  // resume sends a position held back while the socket was down.
  resume() {
    if (this.pending && !this.timer) this.flush();
  }

  // serverError shows an `error` that answered a location message.
  serverError(msg) {
    const known = ["not_open", "too_fast", "stale_time", "forbidden", "rate_limited", "invalid_location"];
    showError($("live-error"), { message: t("ws." + (known.includes(msg.code) ? msg.code : "internal")) });
  }
}

function geoError(err) {
  if (typeof GeolocationPositionError !== "undefined" && err instanceof GeolocationPositionError) {
    return { message: t({ 1: "geo.denied", 2: "geo.unavailable", 3: "geo.timeout" }[err.code] || "geo.unavailable") };
  }
  return err;
}
