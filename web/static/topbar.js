// The top bar of every page: the brand (a link to the map), who is logged in
// with a logout button, or a login link.
import { api, clearSession, savedUser, token } from "./api.js";
import { h } from "./dom.js";

// mountUser fills el (an element of the top bar) with the logged-in user and
// a logout button, or a login link that returns to this page.
export function mountUser(el) {
  el.textContent = "";
  const user = token() ? savedUser() : null;
  if (!user) {
    const next = encodeURIComponent(location.pathname + location.search);
    el.append(h("a", { href: `/login.html?next=${next}`, class: "who-login", id: "login-link" }, "로그인 · Log in"));
    return;
  }
  const role = user.role === "owner" ? "사장님" : user.role === "admin" ? "관리자" : "손님";
  el.append(...[
    h("span", { class: "who-name", id: "who", title: user.login_id }, `${user.nickname} · ${role}`),
    user.role === "owner" && !location.pathname.startsWith("/owner") ? h("a", { href: "/owner.html", class: "who-link" }, "콘솔") : null,
    h("button", { type: "button", class: "who-logout", id: "logout", onclick: logout }, "로그아웃"),
  ].filter(Boolean));
}

async function logout() {
  try {
    await api("POST", "/auth/logout");
  } catch {
    // the token may be gone already: forget it anyway
  }
  clearSession();
  location.assign("/");
}
