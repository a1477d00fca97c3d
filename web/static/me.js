// /me.html: the user's profile (GET and PATCH /me), the password change,
// links to their orders, inbox and saved cards, and logging out.
import { api, saveSession, savedUser, token } from "./api.js";
import { $, showError, timeText } from "./dom.js";
import { t } from "./i18n.js";
import { logout, mountUser } from "./topbar.js";

const illuwa = { state: "loading", me: null };
window.illuwa = illuwa;
mountUser($("user"));

if (!token()) {
  location.replace(`/login.html?next=${encodeURIComponent("/me.html")}`);
} else {
  try {
    show(await api("GET", "/me"));
    illuwa.state = "ready";
  } catch (err) {
    illuwa.state = "error";
    showError($("page-error"), err);
  }
}

function show(me) {
  illuwa.me = me;
  for (const id of ["me-card", "password-card", "logout-card"]) $(id).hidden = false;
  $("me-summary").textContent = t("me.summary", { login: me.login_id, role: t("role." + me.role), since: timeText(me.created_at) });
  $("me-nickname").value = me.nickname;
  $("me-email").value = me.email;
  $("me-phone").value = me.phone;
  $("link-cards").hidden = me.role !== "customer";
  $("link-console").hidden = me.role !== "owner";
}

$("me-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  await busy("me", async () => {
    // The e-mail and phone are sent only when changed: changing them needs the current password.
    const patch = { nickname: $("me-nickname").value.trim() };
    const email = $("me-email").value.trim(), phone = $("me-phone").value.trim();
    if (email !== illuwa.me.email) patch.email = email;
    if (phone !== illuwa.me.phone) patch.phone = phone;
    if ($("me-contact-password").value) patch.current_password = $("me-contact-password").value;
    const me = await api("PATCH", "/me", patch);
    $("me-contact-password").value = "";
    saveSession(token(), { ...savedUser(), ...me });
    show(me);
    mountUser($("user"));
  });
});

$("password-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  await busy("password", async () => {
    await api("PATCH", "/me", { current_password: $("me-current-password").value, password: $("me-new-password").value });
    $("password-form").reset();
  });
});

$("logout").addEventListener("click", logout);

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
