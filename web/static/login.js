// Login and sign-up: POST /auth/login stores the token and user, then returns
// to ?next= (a path on this site) or the user's home: the console for owners,
// the map for everyone else.
import { api, saveSession } from "./api.js";
import { $, showError } from "./dom.js";

const loginForm = $("login-form");
const signupForm = $("signup-form");
window.illuwa = { state: "ready" };

for (const [tab, form, other, otherTab] of [
  [$("tab-login"), loginForm, signupForm, $("tab-signup")],
  [$("tab-signup"), signupForm, loginForm, $("tab-login")],
]) {
  tab.addEventListener("click", () => {
    form.hidden = false;
    other.hidden = true;
    tab.setAttribute("aria-selected", "true");
    otherTab.setAttribute("aria-selected", "false");
  });
}
if (location.hash === "#signup") $("tab-signup").click();

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
    showError(errEl, err.code === "invalid_credentials" ? { message: "아이디 또는 비밀번호가 맞지 않습니다 · wrong login id or password" } : err);
  } finally {
    button.disabled = false;
  }
}
