package realtime

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

var errTooLarge = errors.New("realtime: message over the read limit")

// ServeWS upgrades the request to a WebSocket and serves it in the
// background until it closes or Shutdown ends it; it returns right after the
// upgrade, so the HTTP server's goroutine and buffers are released (an idle
// connection then holds one small reader goroutine and no write buffer).
// who is the authenticated caller (UserID 0 for anonymous); in handles the
// messages of this connection that change state. A refused Origin
// gets 403; a hub that is shutting down or has no broker answers 503; a
// connection past one of the caps of Options (per user, per who.Addr, per
// instance) gets 429 with code CodeTooManyConnections before any upgrade.
func (h *Hub) ServeWS(w http.ResponseWriter, r *http.Request, who Identity, in Inbound) {
	h.mu.RLock()
	refuse := h.closing || h.broker == nil
	h.mu.RUnlock()
	if refuse {
		http.Error(w, "websocket service unavailable", http.StatusServiceUnavailable)
		return
	}
	if limit := h.reserve(who); limit != "" {
		h.refuseTooMany(w, limit)
		return
	}
	hj := &hijacker{ResponseWriter: w}
	ws, err := h.upgrader.Upgrade(hj, r, nil)
	if err != nil {
		h.release(who)
		return // the upgrader has answered
	}
	c := &conn{hub: h, ws: ws, fc: hj.fc, who: who, in: in, key: h.connKey()}
	if !h.register(c) {
		h.release(who)
		_ = ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(CloseGoingAway, closeText(CloseGoingAway)),
			time.Now().Add(h.opts.WriteTimeout))
		_ = ws.Close()
		return
	}
	go c.serve()
}

// serve is the connection's reader goroutine.
func (c *conn) serve() {
	h := c.hub
	defer h.unregister(c)
	c.shallow(func() {
		if c.userTopic != "" {
			if err := h.syncTopics(h.baseCtx, []string{c.userTopic}); err != nil {
				c.sendError("", CodeInternal, "order pushes are unavailable on this connection")
			}
		}
		c.send(HelloMessage{Type: TypeHello, UserID: c.who.UserID, Role: c.who.Role, ServerTime: now()})
		if w, ok := c.in.(Welcomer); ok && c.who.UserID != 0 {
			msgs, err := w.Welcome(h.baseCtx, c.who)
			if err != nil {
				c.sendInboundError("", err)
			}
			for _, m := range msgs {
				c.send(m)
			}
		}
		if p, ok := c.in.(Presence); ok && c.who.UserID != 0 {
			p.Online(h.baseCtx, c.who, c.key)
		}
	})
	c.readLoop()
}

// shallow runs f on one of the hub's deep workers and waits for it. The
// reader goroutine spends its life parked in a read; running the deep work
// (JSON, broker and index calls) elsewhere keeps its stack at the runtime's
// smallest sizes, which is most of what an idle connection costs, and the
// workers keep the large stacks that work needs (see deepWorkers).
func (c *conn) shallow(f func()) { c.hub.deep.run(f) }

// register lists c in the hub (and under its user topic); false when the
// hub is shutting down.
func (h *Hub) register(c *conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return false
	}
	h.wg.Add(1)
	h.conns[c] = struct{}{}
	if c.who.DeviceID != 0 {
		c.userTopic = stallTopic(c.who.PochaID)
		h.addToTopicLocked(c, c.userTopic)
	} else if c.who.UserID != 0 {
		c.userTopic = userTopic(c.who.UserID)
		h.addToTopicLocked(c, c.userTopic)
	}
	h.metrics.connections.Inc()
	return true
}

// unregister runs when the reader ends: it stops the writer, removes c from
// every topic, unsubscribes topics nobody needs, and closes the socket when
// no writer is left to do it.
func (h *Hub) unregister(c *conn) {
	c.mu.Lock()
	c.readerDone = true
	if !c.closing {
		c.closing, c.closeSent = true, true
		c.dropQueueLocked()
	}
	writing := c.writing
	c.w = nil
	c.mu.Unlock()
	if !writing && c.ws != nil {
		_ = c.ws.Close()
	}

	h.mu.Lock()
	delete(h.conns, c)
	changed := h.setTopicsLocked(c, nil)
	if c.userTopic != "" {
		h.removeFromTopicLocked(c, c.userTopic)
		changed = append(changed, c.userTopic)
	}
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), h.opts.WriteTimeout)
	_ = h.syncTopics(ctx, changed) // on failure the next change of these topics retries
	cancel()
	if p, ok := c.in.(Presence); ok && c.who.UserID != 0 {
		pctx, cancel := context.WithTimeout(context.Background(), h.opts.WriteTimeout)
		p.Offline(pctx, c.who, c.key)
		cancel()
	}
	h.metrics.connections.Dec()
	h.release(c.who)
	h.wg.Done()
}

// readLoop reads client messages until the connection fails or closes.
// Between messages the goroutine parks in a shallow wait for the socket
// (waitReadable); the reading itself runs on a deep worker (see
// idleread.go), except where the socket cannot be waited on (fc nil).
func (c *conn) readLoop() {
	h := c.hub
	_ = c.ws.SetReadDeadline(time.Now().Add(h.opts.readTimeout()))
	c.ws.SetPongHandler(func(string) error { c.extendDeadline(); return nil })
	c.ws.SetPingHandler(c.queuePong)   // the writer sends the pong
	c.ws.SetCloseHandler(c.closeReply) // and the close reply
	if c.fc == nil {
		for c.readMessage() {
		}
		return
	}
	for {
		if err := c.fc.waitReadable(); err != nil {
			return
		}
		more := true
		c.shallow(func() {
			if err := c.fc.fill(); err != nil {
				more = false
				return
			}
			for more && c.fc.buffered() > 0 {
				more = c.readFront()
			}
		})
		if !more {
			return
		}
	}
}

// readFront reads what starts at the front of fc's buffer: a ping or pong
// it answers itself, anything else through gorilla. It returns false when
// the connection is done.
func (c *conn) readFront() bool {
	ctl, ok, err := c.fc.takeControl()
	if err != nil {
		return false
	}
	if !ok {
		return c.readMessage()
	}
	if ctl.op == opPing {
		_ = c.queuePong(string(ctl.payload))
	}
	c.extendDeadline() // a pong, as gorilla's handler does; any frame, in fact
	return true
}

// readMessage reads and handles one message; false when the connection is
// done.
func (c *conn) readMessage() bool {
	h := c.hub
	mt, r, err := c.ws.NextReader()
	if err != nil {
		return false
	}
	if c.isClosing() {
		return true // waiting for the client's close reply; the rest is discarded
	}
	bp := msgBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledMsg {
			msgBufs.Put(bp)
		}
	}()
	data, err := readLimited(r, h.opts.ReadLimit, *bp)
	*bp = data[:0] // handle keeps nothing of data
	if errors.Is(err, errTooLarge) {
		c.closeWith(ClosePolicyViolation, false)
		return true
	}
	if err != nil {
		return false
	}
	if c.limiter == nil {
		c.limiter = rate.NewLimiter(rate.Limit(h.opts.MessageRate), h.opts.MessageBurst)
	}
	if err := c.limiter.Wait(h.baseCtx); err != nil {
		return false // shutting down
	}
	c.extendDeadline()
	if c.fc == nil {
		c.shallow(func() { c.handle(mt, data) })
	} else {
		c.handle(mt, data) // on readLoop's deep worker already
	}
	return true
}

func (c *conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// extendDeadline gives the client another read timeout, unless the
// connection is closing (then the close grace stands).
func (c *conn) extendDeadline() {
	if !c.isClosing() {
		_ = c.ws.SetReadDeadline(time.Now().Add(c.hub.opts.readTimeout()))
	}
}

// msgBufs hold client messages while they are read and handled: one
// message at a time per reader, so a pooled buffer instead of a new one
// (io.ReadAll's 512 bytes and up) for every message.
var msgBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maxPooledMsg is the largest buffer put back into msgBufs.
const maxPooledMsg = 8 << 10

// readLimited reads one message of at most limit bytes into buf[:0],
// growing it as needed.
func readLimited(r io.Reader, limit int64, buf []byte) ([]byte, error) {
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// originChecker implements Options.AllowedOrigins.
func originChecker(allowed []string) func(*http.Request) bool {
	anyOrigin := slices.Contains(allowed, "*")
	set := make(map[string]struct{}, len(allowed))
	for _, o := range allowed {
		set[strings.ToLower(strings.TrimRight(o, "/"))] = struct{}{}
	}
	return func(r *http.Request) bool {
		origin := r.Header.Get("Origin")
		if origin == "" || anyOrigin {
			return true
		}
		if len(set) == 0 {
			u, err := url.Parse(origin)
			return err == nil && strings.EqualFold(u.Host, r.Host)
		}
		_, ok := set[strings.ToLower(strings.TrimRight(origin, "/"))]
		return ok
	}
}
