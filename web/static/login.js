// Login and sign-up: POST /auth/login stores the token and user, then returns
// to ?next= (a path on this site) or the user's home: the console for owners,
// the map for everyone else.
import { api, saveSession } from "./api.js";
import { $, h, showError } from "./dom.js";
import { t } from "./i18n.js";
import { mountUser } from "./topbar.js";

const loginForm = $("login-form");
const signupForm = $("signup-form");
window.illuwa = { state: "ready" };
mountUser($("user"));

const tabs = [[$("tab-login"), loginForm], [$("tab-signup"), signupForm]];
function select(i, focus) {
  tabs.forEach(([tab, form], j) => {
    form.hidden = i !== j;
    tab.setAttribute("aria-selected", String(i === j));
    tab.tabIndex = i === j ? 0 : -1;
  });
  if (focus) tabs[i][0].focus();
}
tabs.forEach(([tab], i) => {
  tab.addEventListener("click", () => select(i, false));
  tab.addEventListener("keydown", (e) => {
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") select(1 - i, true);
  });
});
if (location.hash === "#signup") select(1, false);

// One button per configured sign-in provider (GET /auth/oauth/providers);
// none configured, or the call failing, shows none.
api("GET", "/auth/oauth/providers")
  .then((res) => {
    const names = (res?.providers || []).map((p) => p.name).filter((n) => ["kakao", "google", "facebook"].includes(n));
    if (!names.length) return;
    $("oauth-list").replaceChildren(...names.map((n) =>
      h("a", { class: "button", href: `/api/v1/auth/oauth/${n}/start`, dataset: { provider: n } }, t("oauth.with." + n))));
    $("oauth-buttons").hidden = false;
  })
  .catch(() => {});

loginForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = new FormData(loginForm);
  await busy($("login-submit"), $("login-error"), () => login(f.get("login_id"), f.get("password")));
});

signupForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = Object.fromEntries(new FormData(signupForm));
  await busy($("signup-submit"), $("signup-error"), async () => {
    await api("POST", "/auth/signup", {
      login_id: f.login_id.trim(), password: f.password, nickname: f.nickname.trim(),
      email: f.email.trim(), phone: f.phone.trim(), role: f.role,
    });
    await login(f.login_id, f.password);
  });
});

async function login(loginId, password) {
  const res = await api("POST", "/auth/login", { login_id: String(loginId).trim(), password: String(password) });
  saveSession(res.token, res.user);
  location.assign(nextPath(res.user));
}

// nextPath is ?next= when it is a path on this site, else the role's home.
function nextPath(user) {
  const next = new URLSearchParams(location.search).get("next") || "";
  if (next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\")) return next;
  return user.role === "owner" ? "/owner.html" : "/";
}

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
