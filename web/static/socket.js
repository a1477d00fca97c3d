// A WebSocket that reconnects with backoff: 1 s doubling to 30 s, with jitter,
// reset once the server has sent something on a new connection.

const MIN_DELAY = 1000;
const MAX_DELAY = 30000;

export class LiveSocket {
  // url: a func returning the ws: or wss: URL, called before each connection
  // (so a token stored meanwhile is used on the next one). handlers: {open(), message(msg), state(name)}, where
  // name is "connecting", "live" or "reconnecting".
  constructor(url, handlers) {
    this.url = url;
    this.on = handlers;
    this.delay = MIN_DELAY;
    this.ws = null;
    this.timer = 0;
    this.closed = false;
    this.connect("connecting");
  }

  connect(state) {
    this.on.state(state);
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = () => {
      this.on.state("live");
      this.on.open();
    };
    ws.onmessage = (ev) => {
      this.delay = MIN_DELAY;
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg && typeof msg.type === "string") this.on.message(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws || this.closed) return;
      this.ws = null;
      this.retry();
    };
  }

  retry() {
    this.on.state("reconnecting");
    const wait = this.delay / 2 + Math.random() * (this.delay / 2);
    this.delay = Math.min(this.delay * 2, MAX_DELAY);
    this.timer = setTimeout(() => this.connect("reconnecting"), wait);
  }

  // send writes msg as JSON if connected; it returns whether it did.
  send(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.ws?.close(1000);
  }
}

// liveURL returns the /ws URL of this page's host, with the stored token (if
// any) as ?token=, for a LiveSocket: it is read again before each connection.
export function liveURL() {
  const u = new URL("/ws", location.href);
  u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  let token = null;
  try {
    token = localStorage.getItem("illuwa_token");
  } catch {
    // storage disabled: stay anonymous
  }
  if (token) u.searchParams.set("token", token);
  return u.href;
}
