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
	writeBufferSize = 4096            // gorilla's, pooled; our writer frames into frameBatch
	closeGrace      = 3 * time.Second // wait for the client's close reply
	maxPending      = 1024            // events held while a snapshot is taken
)

// conn is one client connection: one reader goroutine for its whole life
// (serve; between messages it parks in a shallow wait for the socket, see
// idleread.go), and a writer goroutine only while messages are queued.
type conn struct {
	hub *Hub
	ws  *websocket.Conn
	fc  *frameConn // what gorilla reads through; nil when the socket cannot be waited on
	who Identity
	in  Inbound // where this connection's location and ack messages go
	key string  // unique among every instance's connections (see Presence)
	// stream is set (and ws nil) for an in-process Stream.
	stream *Stream

	// Owned by the reader goroutine.
	limiter *rate.Limiter // allocated on the first message
	invalid int           // invalid messages in a row
	lag     lagFloor      // the lags of its locations (see Options.MaxLocationDelay)

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
	closeEcho  bool   // the close frame answers the client's (closeReply)
	pong       []byte // payload of the pong due (see queuePong)
	pongDue    bool
	w          *watchState // nil when not watching
	seen       seenOrders  // order.created ids queued (see duplicateLocked)

	// Owned by the writer goroutine of the moment (one at a time, handed
	// on through mu): the socket's write deadline last set (see
	// setWriteDeadline).
	writeDeadline time.Time
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
	if len(c.queue) <= backlogPerConn {
		c.hub.backlog.Add(1)
	}
	c.startWriterLocked()
}

// backlogPerConn is how many of one connection's queued messages count in
// the hub's backlog (see Options.MaxSendBacklog).
const backlogPerConn = 32

// shrunkLocked takes what the queue no longer holds, of its length before,
// off the hub's backlog. c.mu held.
func (c *conn) shrunkLocked(before int) {
	c.hub.backlog.Add(int64(min(len(c.queue), backlogPerConn) - min(before, backlogPerConn)))
}

// dropQueueLocked empties the queue, for good. c.mu held.
func (c *conn) dropQueueLocked() {
	c.hub.backlog.Add(-int64(min(len(c.queue), backlogPerConn)))
	c.queue = nil
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
		c.dropQueueLocked()
	}
	if c.readerDone && !c.writing {
		return
	}
	c.startWriterLocked()
}

// writeLoop writes queued messages until the queue is empty, then exits.
// Every message queued when it looks (up to batchBytes) goes out framed in
// one vectored write, with a due pong first. It is the only writer of the
// connection: server pings, pongs answering the client's pings (see
// queuePong) and close frames, the hub's and the reply to the client's
// (see closeReply), all go through it, so frames never interleave. When
// the connection is closing it sends the close frame; the last of reader
// and writer to finish closes the network connection.
//
// One write of gorilla's remains outside it: the close frame its reader
// sends itself on a protocol error of the client's. That is a single Write
// call on the socket, which Go never interleaves with another one, and the
// connection ends right after it.
func (c *conn) writeLoop() {
	defer c.hub.wg.Done()
	nc := socket(c.ws.NetConn())
	f := getFrameBatch(nc)
	defer f.release()
	for {
		c.mu.Lock()
		pong, hasPong := c.pong, c.pongDue && !c.closeSent
		c.pong, c.pongDue = nil, false
		if len(c.queue) == 0 && !hasPong {
			if c.closing && !c.closeSent {
				c.closeSent = true
				msg := c.closeMessageLocked()
				c.mu.Unlock()
				c.sendClose(nc, f, msg)
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
		f.msgs = c.takeLocked(f.msgs[:0])
		c.mu.Unlock()
		n, err := c.writeBatch(nc, f, hasPong, pong, f.msgs)
		clear(f.msgs)
		if err != nil {
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
				c.hub.metrics.writeTimeouts.Inc()
			}
			c.mu.Lock()
			c.closing, c.closeSent = true, true
			c.dropQueueLocked()
			c.mu.Unlock()
			_ = nc.Close() // unblocks the reader
			continue
		}
		c.hub.metrics.sent.Add(float64(n))
	}
}

// takeLocked moves the queue's first messages, up to batchBytes of payload
// and at least one, to dst. c.mu held.
func (c *conn) takeLocked(dst [][]byte) [][]byte {
	before := len(c.queue)
	defer c.shrunkLocked(before)
	n, size := 0, 0
	for n < len(c.queue) && (n == 0 || size+len(c.queue[n]) <= batchBytes) {
		size += len(c.queue[n])
		n++
	}
	dst = append(dst, c.queue[:n]...)
	clear(c.queue[:n])
	if n == len(c.queue) {
		c.queue = c.queue[:0]
	} else {
		c.queue = c.queue[n:]
	}
	return dst
}

// writeBatch frames a pong (when hasPong), then batch (nil = ping) as text
// frames, and writes them with one call under the write timeout. It
// returns the number of messages (pings and pongs not counted).
func (c *conn) writeBatch(nc net.Conn, f *frameBatch, hasPong bool, pong []byte, batch [][]byte) (int, error) {
	f.reset()
	if hasPong {
		f.add(opPong, pong)
	}
	n := 0
	for _, b := range batch {
		if b == nil {
			f.add(opPing, nil)
			continue
		}
		f.add(opText, b)
		n++
	}
	if err := c.setWriteDeadline(nc); err != nil {
		return 0, err
	}
	v := f.buffers() // WriteTo consumes v, not f's slice
	if _, err := v.WriteTo(nc); err != nil {
		return 0, err
	}
	return n, nil
}

// closeMessageLocked returns the payload of the close frame to send (nil =
// none): the hub's code and reason, or the client's code echoed when
// answering its close. c.mu held.
func (c *conn) closeMessageLocked() []byte {
	if c.closeCode == 0 {
		return nil
	}
	if c.closeEcho {
		return websocket.FormatCloseMessage(c.closeCode, "")
	}
	return websocket.FormatCloseMessage(c.closeCode, closeText(c.closeCode))
}

// setWriteDeadline gives the next write WriteTimeout, less at most a tenth
// of it: a deadline set less than WriteTimeout/10 ago is kept. A watcher
// gets a write every few milliseconds under load, and setting the deadline
// (a runtime timer) for each was 2.5% of the server's CPU at 14,000
// locations/s.
func (c *conn) setWriteDeadline(nc net.Conn) error {
	now := time.Now()
	d := c.hub.opts.WriteTimeout
	if c.writeDeadline.Sub(now) >= d-d/10 {
		return nil
	}
	if err := nc.SetWriteDeadline(now.Add(d)); err != nil {
		return err
	}
	c.writeDeadline = now.Add(d)
	return nil
}

// sendClose writes the close frame msg (nil = none) and gives the client
// closeGrace to answer before the reader gives up.
func (c *conn) sendClose(nc net.Conn, f *frameBatch, msg []byte) {
	if msg == nil {
		return
	}
	f.reset()
	f.add(opClose, msg)
	v := f.buffers()
	if err := c.setWriteDeadline(nc); err != nil {
		_ = nc.Close()
		return
	}
	if _, err := v.WriteTo(nc); err != nil {
		_ = nc.Close()
		return
	}
	_ = nc.SetReadDeadline(time.Now().Add(closeGrace))
}

// queuePong is the connection's ping handler (gorilla's reader calls it):
// instead of writing the pong itself, as gorilla's default handler does,
// it hands the pong to the writer. Only the latest ping is answered when
// several arrive before the writer runs (RFC 6455 section 5.5.3). Pongs
// are not messages: the send-queue bound does not apply.
func (c *conn) queuePong(data string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeSent || c.readerDone {
		return nil
	}
	c.pong, c.pongDue = []byte(data), true
	c.startWriterLocked()
	return nil
}

// closeReply is the connection's close handler (gorilla's reader calls it
// when the client's close frame arrives): unless the hub is already
// closing, the writer answers with the client's code; messages still
// queued are dropped. The reader then ends.
func (c *conn) closeReply(code int, _ string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return nil // our close frame is sent or about to be: it is the answer
	}
	c.closeEcho = true
	c.closeLocked(code, true)
	return nil
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
