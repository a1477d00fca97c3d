// The service worker: it keeps the app shell (pages, scripts, styles, icons
// and vendored libraries) of this release in a cache named by the release,
// so the app opens without a network and a new release replaces the old
// shell. The API (/api/), the WebSocket (/ws), the payment pages and
// /config.json always go to the network and are never cached.
//
// The server fills VERSION and SHELL when it serves this file.
const VERSION = "dev";
const SHELL = [];
const CACHE = `illuwa-shell-${VERSION}`;
const OFFLINE = "/offline.html";

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL.map((u) => new Request(u, { cache: "no-cache" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("illuwa-shell-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// networkOnly reports the requests the worker leaves alone.
function networkOnly(url) {
  return url.origin !== self.location.origin ||
    url.pathname.startsWith("/api/") || url.pathname === "/ws" || url.pathname.startsWith("/fake-pg/") ||
    url.pathname === "/config.json" || url.pathname === "/sw.js" ||
    ["/healthz", "/readyz", "/metrics"].includes(url.pathname);
}

// shellPath is the cached file that answers a page's path.
function shellPath(url) {
  if (url.pathname === "/") return "/index.html";
  if (/^\/pochas\/\d+\/?$/.test(url.pathname)) return "/pocha.html";
  return url.pathname;
}

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || networkOnly(url)) return;
  if (req.mode === "navigate") {
    // Pages: the network first (they may have changed), the cached shell
    // when offline, and the offline page when even that is missing.
    event.respondWith((async () => {
      try {
        return await fetch(req);
      } catch {
        const cache = await caches.open(CACHE);
        return (await cache.match(shellPath(url), { ignoreSearch: true })) || (await cache.match(OFFLINE)) || Response.error();
      }
    })());
    return;
  }
  // Vendored libraries and icons never change within a release: the cache
  // first. The app's own files: the network first (so a page and its
  // scripts are always of one release), the cache when offline.
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    if (url.pathname.startsWith("/vendor/") || url.pathname.startsWith("/icons/")) {
      return (await cache.match(url.pathname, { ignoreSearch: true })) || fetch(req);
    }
    try {
      return await fetch(req);
    } catch (err) {
      const hit = await cache.match(url.pathname, { ignoreSearch: true });
      if (hit) return hit;
      throw err;
    }
  })());
});

// A push message (Web Push from the server, see docs/push.md) is shown as a
// system notification: {title, body, url, tag, kind} JSON, or plain text as
// the body. A newer message with the same tag replaces the older one.
self.addEventListener("push", (event) => {
  let msg = {};
  try {
    msg = event.data ? event.data.json() : {};
  } catch {
    msg = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(self.registration.showNotification(msg.title || "일루와", {
    body: msg.body || "", icon: "/icons/icon-192.png", badge: "/icons/icon-192.png", data: { url: msg.url || "/inbox.html" },
    ...(msg.tag ? { tag: msg.tag, renotify: true } : {}),
  }));
});

// Opening a notification focuses a window of the app on its page.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || "/", self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil((async () => {
    for (const c of await self.clients.matchAll({ type: "window" })) {
      if (new URL(c.url).pathname === target.pathname && "focus" in c) return c.focus();
    }
    return self.clients.openWindow(target.href);
  })());
});
