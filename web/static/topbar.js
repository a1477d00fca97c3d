// The top bar of every page: who is logged in (a link to the profile page,
// the inbox with its unread count, the console for owners), or a login link;
// and the language switch. It also translates the page's static text and
// registers the service worker, so every page that mounts it is installable.
import { api, clearSession, savedUser, token } from "./api.js";
import { h } from "./dom.js";
import { lang, setLang, t, translate } from "./i18n.js";

// mountUser fills el (an element of the top bar) with the user's links and
// the language switch, after translating the page.
export function mountUser(el) {
  translate();
  registerWorker();
  el.textContent = "";
  const user = token() ? savedUser() : null;
  const other = lang() === "ko" ? "en" : "ko";
  const langButton = h("button", {
    type: "button", class: "who-lang", id: "lang", lang: other, title: t("nav.lang_label"), onclick: () => setLang(other),
  }, t("nav.lang_switch"));
  if (!user) {
    const next = encodeURIComponent(location.pathname + location.search);
    el.append(h("a", { href: `/login.html?next=${next}`, class: "who-login", id: "login-link" }, t("nav.login")), langButton);
    return;
  }
  const inbox = h("a", { href: "/inbox.html", class: "who-inbox", id: "inbox-link" },
    t("nav.inbox"), h("span", { class: "count-badge", id: "unread-badge", hidden: true },
      h("span", { id: "unread" }), h("span", { class: "sr-only" }, t("nav.unread_suffix"))));
  el.append(...[
    user.role === "owner" && !location.pathname.startsWith("/owner") ? h("a", { href: "/owner.html", class: "who-link", id: "console-link" }, t("nav.console")) : null,
    inbox,
    h("a", { href: "/me.html", class: "who-name", id: "who", title: user.login_id }, user.nickname),
    langButton,
  ].filter(Boolean));
  refreshUnread();
}

// showUnread puts n on the inbox link (hidden at 0).
export function showUnread(n) {
  const count = document.getElementById("unread");
  const badge = document.getElementById("unread-badge");
  if (!count || !badge) return;
  count.textContent = n > 99 ? "99+" : String(n);
  badge.hidden = !(n > 0);
  if (window.illuwa) window.illuwa.unread = n;
}

// refreshUnread reads the unread count from the API (one notification asked
// for; the count covers all of them).
export async function refreshUnread() {
  try {
    const page = await api("GET", "/notifications?limit=1");
    showUnread(page.unread_count);
  } catch {
    // offline or logged out: no badge
  }
}

// logout ends the session on the server and here, then goes to the map.
export async function logout() {
  try {
    await api("POST", "/auth/logout");
  } catch {
    // the token may be gone already: forget it anyway
  }
  clearSession();
  location.assign("/");
}

function registerWorker() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((err) => console.warn("illuwa: service worker", err));
}
