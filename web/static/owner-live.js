// The owner's stall on the live map: open it at the phone's position, close
// it, and broadcast the phone's moves as WebSocket `location` messages, at
// most one every THROTTLE_MS, each with the time the phone measured it.
import { api } from "./api.js";
import { $, ago, showError } from "./dom.js";

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

  // show switches to the stall (stopping a broadcast of another one).
  show(pocha) {
    if (this.pocha?.id !== pocha.id) this.stopBroadcast();
    this.pocha = pocha;
    const open = pocha.is_open;
    $("stall-open").textContent = open ? "영업 중 · Open" : "준비 중 · Closed";
    $("stall-open").classList.toggle("open", open);
    $("stall-where").textContent = pocha.location
      ? `위치 ${pocha.location.lat.toFixed(5)}, ${pocha.location.lng.toFixed(5)} · ${ago(pocha.location.at)}`
      : "지도에 없음 · not on the map";
    $("close-stall").disabled = !open;
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
      showError($("live-error"), { message: "이 브라우저는 위치를 알려 주지 않습니다 · no geolocation here" });
      $("broadcast").checked = false;
      return;
    }
    this.status.broadcasting = true;
    $("broadcast-status").textContent = "위치를 기다리는 중… · waiting for a position";
    this.watchID = navigator.geolocation.watchPosition(
      (pos) => this.offer(pos),
      (err) => showError($("live-error"), geoError(err)),
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
    const msg = {
      type: "location", ref: `loc-${++this.seq}`, pocha_id: this.pocha.id,
      lat: pos.coords.latitude, lng: pos.coords.longitude, at: new Date(pos.timestamp).toISOString(),
    };
    if (!this.socket.send(msg)) {
      showError($("live-error"), { message: "연결이 끊겨 위치를 보내지 못했습니다; 다시 연결되면 보냅니다 · offline, will send when reconnected" });
      this.pending = pos;
      return;
    }
    this.status.sent++;
    $("broadcast-status").textContent = `방송 중 · ${pos.coords.latitude.toFixed(5)}, ${pos.coords.longitude.toFixed(5)} (±${Math.round(pos.coords.accuracy)}m)`;
  }

  // resume sends a position held back while the socket was down.
  resume() {
    if (this.pending && !this.timer) this.flush();
  }

  // serverError shows an `error` that answered a location message.
  serverError(msg) {
    const hints = {
      not_open: "먼저 '여기서 영업 시작'을 누르세요 · open the stall first",
      too_fast: "위치가 너무 빨리 바뀌었습니다 · the move looks impossibly fast",
      stale_time: "위치 시간이 맞지 않습니다 (기기 시계 확인) · check the phone's clock",
      forbidden: "이 포장마차의 사장님이 아닙니다 · not your stall",
    };
    showError($("live-error"), { message: `${hints[msg.code] || msg.message} (${msg.code})` });
  }
}

function geoError(err) {
  if (typeof GeolocationPositionError !== "undefined" && err instanceof GeolocationPositionError) {
    const why = { 1: "위치 권한이 거부되었습니다 · permission denied", 2: "위치를 알 수 없습니다 · position unavailable", 3: "위치 확인 시간 초과 · timed out" };
    return { message: why[err.code] || err.message };
  }
  return err;
}
