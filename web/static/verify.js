// The verification link of a mail (/verify?token=...): posts the token to
// POST /auth/verify once and says how it went.
import { api } from "./api.js";
import { $, showError } from "./dom.js";
import { t } from "./i18n.js";
import { mountUser } from "./topbar.js";

window.illuwa = { state: "loading" };
mountUser($("user"));

const status = $("verify-status");
const token = new URLSearchParams(location.search).get("token") || "";
if (!token) {
  status.textContent = t("verify.no_token");
  window.illuwa.state = "failed";
} else {
  api("POST", "/auth/verify", { token })
    .then(() => {
      status.textContent = t("verify.done");
      window.illuwa.state = "verified";
    })
    .catch((err) => {
      status.textContent = "";
      showError($("verify-error"), err);
      window.illuwa.state = "failed";
    });
}
