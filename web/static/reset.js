// Password reset: without ?token= it asks for a reset mail (the answer is
// the same for any address); with the token of the mailed link it sets the
// new password through POST /auth/password-reset/confirm.
import { api } from "./api.js";
import { $, showError } from "./dom.js";
import { mountUser } from "./topbar.js";

window.illuwa = { state: "ready" };
mountUser($("user"));

const token = new URLSearchParams(location.search).get("token") || "";
const requestForm = $("request-form");
const confirmForm = $("confirm-form");
requestForm.hidden = !!token;
confirmForm.hidden = !token;

requestForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const email = String(new FormData(requestForm).get("email") || "").trim();
  await busy($("request-submit"), $("request-error"), async () => {
    await api("POST", "/auth/password-reset", { email });
    $("request-status").hidden = false;
    window.illuwa.state = "requested";
  });
});

confirmForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const password = String(new FormData(confirmForm).get("password") || "");
  await busy($("confirm-submit"), $("confirm-error"), async () => {
    await api("POST", "/auth/password-reset/confirm", { token, password });
    $("confirm-status").hidden = false;
    $("confirm-submit").hidden = true;
    window.illuwa.state = "reset";
  });
});

async function busy(button, errEl, fn) {
  button.disabled = true;
  showError(errEl, null);
  try {
    await fn();
  } catch (err) {
    showError(errEl, err);
  } finally {
    button.disabled = false;
  }
}
