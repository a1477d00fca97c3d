// /inbox.html: the user's notifications, newest first, with the unread
// count; opening one marks it read (and follows its order link), each can
// be deleted. New ones arrive over /ws as `notification` messages.
import { api, token } from "./api.js";
import { $, h, showError, timeText } from "./dom.js";
import { t } from "./i18n.js";
import { LiveSocket, liveURL } from "./socket.js";
import { mountUser, showUnread } from "./topbar.js";

const illuwa = { state: "loading", items: new Map(), unread: 0 };
window.illuwa = illuwa;
mountUser($("user"));
let cursor = null;

if (!token()) {
  location.replace(`/login.html?next=${encodeURIComponent("/inbox.html")}`);
} else {
  await more();
  $("inbox-more").addEventListener("click", more);
  const socket = new LiveSocket(liveURL, {
    state: () => {},
    open: () => {},
    message(msg) {
      if (msg.type !== "notification" || !msg.notification || illuwa.items.has(msg.notification.id)) return;
      illuwa.items.set(msg.notification.id, msg.notification);
      $("inbox").prepend(item(msg.notification));
      setUnread(illuwa.unread + (msg.notification.read ? 0 : 1));
      $("inbox-empty").hidden = true;
    },
  });
  window.addEventListener("pagehide", () => socket.close());
}

async function more() {
  const q = new URLSearchParams({ limit: "20" });
  if (cursor) q.set("cursor", cursor);
  try {
    const page = await api("GET", `/notifications?${q}`);
    const fresh = page.items.filter((n) => !illuwa.items.has(n.id));
    for (const n of fresh) illuwa.items.set(n.id, n);
    $("inbox").append(...fresh.map(item));
    cursor = page.next_cursor;
    $("inbox-more").hidden = !cursor;
    $("inbox-empty").hidden = illuwa.items.size > 0;
    setUnread(page.unread_count);
    illuwa.state = "ready";
  } catch (err) {
    illuwa.state = "error";
    showError($("page-error"), err);
  }
}

function setUnread(n) {
  illuwa.unread = Math.max(0, n);
  $("inbox-unread").textContent = t("inbox.unread", { n: illuwa.unread });
  showUnread(illuwa.unread);
}

// kindTitle is the notification's title in the chosen language: the
// server writes Korean; known kinds have their own English words.
function kindTitle(n) {
  const key = "inbox.kind." + n.kind;
  return t(key) !== key ? t(key) : n.title;
}

function item(n) {
  const read = h("button", { type: "button", class: "small read", hidden: n.read, "aria-label": t("inbox.mark_read_of", { title: kindTitle(n) }), onclick: () => markRead(n, li) }, t("inbox.mark_read"));
  const del = h("button", { type: "button", class: "small danger delete", "aria-label": t("inbox.delete_of", { title: kindTitle(n) }), onclick: () => remove(n, li) }, t("common.delete"));
  const link = n.data?.order_id ? `/order.html?id=${n.data.order_id}` : n.data?.pocha_id ? `/pochas/${n.data.pocha_id}` : "";
  const title = link ? h("a", { href: link, onclick: () => markRead(n, li) }, kindTitle(n)) : kindTitle(n);
  const li = h("li", { class: n.read ? "" : "unread", dataset: { notification: n.id, read: String(n.read) } },
    h("div", { class: "spread" }, h("strong", {}, n.read ? null : h("span", { class: "sr-only" }, t("inbox.new"), " "), title), h("span", { class: "muted" }, timeText(n.created_at))),
    h("p", {}, n.body),
    h("div", { class: "row" }, read, del));
  return li;
}

async function markRead(n, li) {
  if (n.read) return;
  try {
    const r = await api("POST", `/notifications/${n.id}/read`);
    Object.assign(n, r);
    li.classList.remove("unread");
    li.dataset.read = "true";
    li.querySelector("button.read").hidden = true;
    li.querySelector(".sr-only")?.remove();
    setUnread(illuwa.unread - 1);
  } catch (err) {
    showError($("inbox-error"), err);
  }
}

async function remove(n, li) {
  try {
    await api("DELETE", `/notifications/${n.id}`);
    illuwa.items.delete(n.id);
    const next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    if (!n.read) setUnread(illuwa.unread - 1);
    $("inbox-empty").hidden = illuwa.items.size > 0;
    (next?.querySelector("button.delete") || $("inbox-heading")).focus?.();
  } catch (err) {
    showError($("inbox-error"), err);
  }
}
