// /me.html, the alerts card: push alerts on this device (PushManager with
// the server's VAPID key, the subscription kept by POST /push/subscriptions),
// notification settings per kind and channel with quiet hours
// (/me/notification-settings), and saved places that alert when a stall
// opens nearby (/me/places).
import { api, token } from "./api.js";
import { $, h, showError } from "./dom.js";
import { t } from "./i18n.js";

const KINDS = ["order", "review", "favourite", "marketing"];
const CHANNELS = ["in_app", "push", "email"];
const MAX_PLACES = 5;
const state = { settings: null, places: [] };

if (token()) {
  $("alerts-card").hidden = false;
  await Promise.all([loadSettings(), loadPlaces(), showPush()]).catch((err) => showError($("settings-error"), err));
  $("alerts-card").dataset.state = "ready";
}

// ---- push on this device

function pushSupported() {
  return window.isSecureContext && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

async function currentSubscription() {
  const reg = await navigator.serviceWorker.ready;
  return reg.pushManager.getSubscription();
}

async function showPush() {
  const toggle = $("push-toggle");
  if (!pushSupported()) {
    toggle.disabled = true;
    $("push-state").textContent = t("alerts.push_unsupported");
    return;
  }
  const sub = await currentSubscription();
  toggle.checked = !!sub && Notification.permission === "granted";
  $("push-state").textContent = Notification.permission === "denied" ? t("alerts.push_denied") : "";
}

// keyBytes turns the base64url VAPID key into the bytes PushManager wants.
function keyBytes(b64) {
  const s = atob(b64.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

$("push-toggle").addEventListener("change", async (e) => {
  const on = e.target.checked;
  e.target.disabled = true;
  showError($("push-error"), null);
  try {
    if (on) {
      if ((await Notification.requestPermission()) !== "granted") throw new Error(t("alerts.push_denied"));
      const { public_key: key } = await api("GET", "/push/vapid-public-key");
      const reg = await navigator.serviceWorker.ready;
      const sub = (await reg.pushManager.getSubscription()) ||
        (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
      await api("POST", "/push/subscriptions", sub.toJSON());
    } else {
      const sub = await currentSubscription();
      if (sub) {
        await api("DELETE", "/push/subscriptions", { endpoint: sub.endpoint }).catch((err) => {
          if (err.status !== 404) throw err;
        });
        await sub.unsubscribe();
      }
    }
  } catch (err) {
    e.target.checked = !on;
    showError($("push-error"), err);
  } finally {
    e.target.disabled = false;
    await showPush().catch(() => {});
  }
});

// ---- notification settings

async function loadSettings() {
  state.settings = await api("GET", "/me/notification-settings");
  const box = $("settings-kinds");
  box.textContent = "";
  for (const kind of KINDS) {
    const boxes = CHANNELS.map((ch) => {
      const id = `set-${kind}-${ch}`;
      const locked = kind === "order" && ch === "in_app"; // order updates always reach the inbox
      return h("label", { class: "inline", for: id }, h("input", { type: "checkbox", id, name: `kinds.${kind}.${ch}`,
        checked: state.settings.kinds[kind][ch], disabled: locked }), " ", t("alerts.channel." + ch));
    });
    box.append(h("fieldset", { class: "plain channels" }, h("legend", {}, t("alerts.kind." + kind)), ...boxes));
  }
  const q = state.settings.quiet_hours;
  $("quiet-on").checked = !!q;
  if (q) {
    $("quiet-start").value = q.start;
    $("quiet-end").value = q.end;
  }
}

$("settings-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const kinds = {};
  for (const kind of KINDS) {
    kinds[kind] = {};
    for (const ch of CHANNELS) kinds[kind][ch] = $(`set-${kind}-${ch}`).checked;
  }
  const quiet = $("quiet-on").checked ? { start: $("quiet-start").value, end: $("quiet-end").value } : null;
  await busy("settings", () => api("PUT", "/me/notification-settings", { kinds, quiet_hours: quiet }));
});

// ---- saved places

async function loadPlaces() {
  state.places = (await api("GET", "/me/places")).places;
  drawPlaces();
}

function drawPlaces() {
  const list = $("places-list");
  list.textContent = "";
  state.places.forEach((p, i) => {
    const field = (name, label, attrs) => h("label", {}, t(label), " ",
      h("input", { name: `places[${i}].${name}`, dataset: { i, name }, ...attrs }));
    list.append(h("fieldset", { class: "place" },
      h("legend", {}, t("alerts.place_n", { n: i + 1 })),
      field("name", "alerts.place_name", { value: p.name, maxlength: 40, required: true }),
      field("lat", "alerts.place_lat", { type: "number", step: "any", min: -90, max: 90, value: p.lat, required: true }),
      field("lng", "alerts.place_lng", { type: "number", step: "any", min: -180, max: 180, value: p.lng, required: true }),
      field("radius_m", "alerts.place_radius", { type: "number", min: 100, max: 3000, step: 50, value: p.radius_m, required: true }),
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: `places[${i}].alert_any_open`, dataset: { i, name: "alert_any_open" }, checked: p.alert_any_open }),
        " ", t("alerts.place_any")),
      h("button", { type: "button", onclick: () => { readPlaces(); state.places.splice(i, 1); drawPlaces(); } }, t("alerts.place_remove"))));
  });
  $("place-add").disabled = state.places.length >= MAX_PLACES;
}

// readPlaces copies the form's values into state.places.
function readPlaces() {
  for (const input of $("places-list").querySelectorAll("input")) {
    const p = state.places[Number(input.dataset.i)];
    const name = input.dataset.name;
    if (name === "alert_any_open") p[name] = input.checked;
    else if (name === "name") p[name] = input.value.trim();
    else p[name] = Number(input.value);
  }
}

$("place-add").addEventListener("click", () => {
  readPlaces();
  if (state.places.length >= MAX_PLACES) return;
  state.places.push({ name: "", lat: 37.5665, lng: 126.978, radius_m: 1000, alert_any_open: true });
  drawPlaces();
  $("places-list").querySelector(`input[name="places[${state.places.length - 1}].name"]`)?.focus();
});

$("places-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  readPlaces();
  await busy("places", async () => {
    const places = state.places.map(({ name, lat, lng, radius_m, alert_any_open }) => ({ name, lat, lng, radius_m, alert_any_open }));
    state.places = (await api("PUT", "/me/places", { places })).places;
    drawPlaces();
  });
});

async function busy(prefix, fn) {
  const button = $(`${prefix}-submit`);
  button.disabled = true;
  showError($(`${prefix}-error`), null);
  $(`${prefix}-saved`).hidden = true;
  try {
    await fn();
    $(`${prefix}-saved`).hidden = false;
  } catch (err) {
    showError($(`${prefix}-error`), err);
  } finally {
    button.disabled = false;
  }
}
