package realtime

import (
	"errors"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

const (
	readBufferSize  = 256             // per connection, held while open; ≥ 14 + 125 (gorilla peeks a frame header and a control payload)
	writeBufferSize = 4096            // pooled: held only while a message is written
	closeGrace      = 3 * time.Second // wait for the client's close reply
	maxPending      = 1024            // events held while a snapshot is taken
)

// conn is one client connection: one reader goroutine for its whole life
// (serve), and a writer goroutine only while messages are queued.
type conn struct {
	hub *Hub
	ws  *websocket.Conn
	who Identity
	in  Inbound // where this connection's location and ack messages go
	key string  // unique among every instance's connections (see Presence)
	// stream is set (and ws nil) for an in-process Stream.
	stream *Stream

	// Owned by the reader goroutine.
	limiter *rate.Limiter // allocated on the first message
	invalid int           // invalid messages in a row

	// Guarded by hub.mu.
	topics    []string // watch topics this connection is listed under
	userTopic string   // "user:<id>" for an authenticated user

	mu         sync.Mutex
	queue      [][]byte // nil entry = ping
	writing    bool     // a writer goroutine is running
	closing    bool     // no more messages are queued
	closeSent  bool
	readerDone bool
	closeCode  int
	w          *watchState // nil when not watching
	seen       seenOrders  // order.created ids queued (see duplicateLocked)
}

// enqueueLocked queues b (nil = ping) and starts the writer if needed. A
// full queue closes the connection with 1013. An order.created already
// queued on this connection is skipped. It never blocks. c.mu held.
func (c *conn) enqueueLocked(b []byte) {
	if c.closing {
		return
	}
	if b != nil && c.duplicateLocked(b) {
		return
	}
	if len(c.queue) >= c.hub.opts.SendQueue {
		c.hub.metrics.slowDisconnects.Inc()
		c.hub.metrics.dropped.Add(float64(len(c.queue) + 1))
		c.closeLocked(CloseTryAgainLater, true)
		return
	}
	c.queue = append(c.queue, b)
	c.startWriterLocked()
}

func (c *conn) startWriterLocked() {
	if !c.writing {
		c.writing = true
		c.hub.wg.Add(1)
		if c.stream != nil {
			go c.streamWriteLoop()
			return
		}
		go c.writeLoop()
	}
}

// closeWith starts closing the connection with code (0 = no close frame).
// With drop, queued messages are discarded; otherwise they are sent first.
func (c *conn) closeWith(code int, drop bool) {
	c.mu.Lock()
	c.closeLocked(code, drop)
	c.mu.Unlock()
}

func (c *conn) closeLocked(code int, drop bool) {
	if c.closing {
		return
	}
	c.closing = true
	c.closeCode = code
	if drop {
		c.queue = nil
	}
	if c.readerDone && !c.writing {
		return
	}
	c.startWriterLocked()
}

// writeLoop writes queued messages until the queue is empty, then exits.
// When the connection is closing it sends the close frame; the last of
// reader and writer to finish closes the network connection.
func (c *conn) writeLoop() {
	defer c.hub.wg.Done()
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			if c.closing && !c.closeSent {
				c.closeSent = true
				code := c.closeCode
				c.mu.Unlock()
				c.sendClose(code)
				continue
			}
			c.writing = false
			c.queue = nil
			last := c.readerDone
			c.mu.Unlock()
			if last {
				_ = c.ws.Close()
			}
			return
		}
		b := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		c.mu.Unlock()
		if err := c.write(b); err != nil {
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
				c.hub.metrics.writeTimeouts.Inc()
			}
			c.mu.Lock()
			c.closing, c.closeSent, c.queue = true, true, nil
			c.mu.Unlock()
			_ = c.ws.NetConn().Close() // unblocks the reader
		}
	}
}

func (c *conn) write(b []byte) error {
	deadline := time.Now().Add(c.hub.opts.WriteTimeout)
	if b == nil {
		return c.ws.WriteControl(websocket.PingMessage, nil, deadline)
	}
	if err := c.ws.SetWriteDeadline(deadline); err != nil {
		return err
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		return err
	}
	c.hub.metrics.sent.Inc()
	return nil
}

// sendClose writes the close frame and gives the client closeGrace to
// answer before the reader gives up.
func (c *conn) sendClose(code int) {
	if code == 0 {
		return
	}
	deadline := time.Now().Add(c.hub.opts.WriteTimeout)
	msg := websocket.FormatCloseMessage(code, closeText(code))
	if err := c.ws.WriteControl(websocket.CloseMessage, msg, deadline); err != nil {
		_ = c.ws.NetConn().Close()
		return
	}
	_ = c.ws.NetConn().SetReadDeadline(time.Now().Add(closeGrace))
}

func closeText(code int) string {
	switch code {
	case CloseGoingAway:
		return "server shutting down"
	case ClosePolicyViolation:
		return "policy violation"
	case CloseTryAgainLater:
		return "send queue full"
	}
	return ""
}
