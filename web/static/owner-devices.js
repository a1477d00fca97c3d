// The stall's POS boxes: make a pairing code, list the paired boxes with
// whether each is online, revoke one; and whether the stall is paused
// because neither a box nor an owner screen is online.
import { api } from "./api.js";
import { $, h, showError, timeText } from "./dom.js";
import { t } from "./i18n.js";

export class Devices {
  constructor() {
    this.pochaID = 0;
    $("pairing-code-new").addEventListener("click", () => this.newCode());
    $("devices-refresh").addEventListener("click", () => this.show(this.pochaID));
  }

  async show(pochaID) {
    this.pochaID = pochaID;
    $("pairing-code").hidden = true;
    showError($("devices-error"), null);
    try {
      const d = await api("GET", `/pochas/${pochaID}/devices`);
      if (pochaID !== this.pochaID) return;
      $("devices").replaceChildren(...d.items.map((dev) => this.item(dev)));
      $("devices-empty").hidden = d.items.length > 0;
      $("stall-paused").hidden = d.accepting_orders !== false;
      $("devices-status").textContent = t(d.pos_online ? "devices.pos_online" : "devices.pos_offline");
    } catch (err) {
      showError($("devices-error"), err);
    }
  }

  async newCode() {
    showError($("devices-error"), null);
    try {
      const c = await api("POST", `/pochas/${this.pochaID}/devices/pairing-code`);
      $("pairing-code-value").textContent = c.code;
      $("pairing-code-help").textContent = t("devices.code_help", { code: c.code, until: timeText(c.expires_at) });
      $("pairing-code").hidden = false;
    } catch (err) {
      showError($("devices-error"), err);
    }
  }

  item(dev) {
    const name = dev.name || t("devices.unnamed", { id: dev.id });
    return h("li", { class: "spread", dataset: { device: dev.id, online: String(dev.online) } },
      h("span", {}, name, " ",
        h("span", { class: "badge" }, t(dev.online ? "devices.online" : "devices.offline")),
        dev.last_seen_at ? h("span", { class: "muted" }, " " + t("devices.last_seen", { when: timeText(dev.last_seen_at) })) : ""),
      h("button", { type: "button", class: "small danger", "aria-label": t("devices.revoke_named", { name }), onclick: async () => {
        if (!confirm(t("devices.revoke_confirm", { name }))) return;
        try {
          await api("DELETE", `/pochas/${this.pochaID}/devices/${dev.id}`);
          await this.show(this.pochaID);
        } catch (err) {
          showError($("devices-error"), err);
        }
      } }, t("devices.revoke")));
  }
}
