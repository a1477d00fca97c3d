package realtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// batchSizes are the payload sizes queued at once: the edges of the 7-bit,
// 16-bit and 64-bit length encodings, the copy and batch limits, and
// messages far larger than a batch.
var batchSizes = []int{8, 124, 125, 126, 127, 4095, 4096, 4097, 65535, 65536, 65537, 100_000, batchBytes, batchBytes + 1, 1 << 20}

// batchPayload is message i of size n: its index, then a pattern, so that
// a lost, reordered or torn frame cannot compare equal.
func batchPayload(i, n int) []byte {
	b := make([]byte, n)
	head := fmt.Sprintf("%07d|", i)
	copy(b, head)
	for j := len(head); j < n; j++ {
		b[j] = 'a' + byte((i+j)%26)
	}
	return b
}

// batchMessages returns the messages to queue: the sizes of batchSizes,
// each between runs of small messages, and many small ones at the end.
func batchMessages() [][]byte {
	var out [][]byte
	for _, n := range batchSizes {
		for range 20 {
			out = append(out, batchPayload(len(out), 200))
		}
		out = append(out, batchPayload(len(out), n))
	}
	for range 400 {
		out = append(out, batchPayload(len(out), 150))
	}
	return out
}

// onlyConn returns the hub's single connection.
func onlyConn(t *testing.T, h *Hub) *conn {
	t.Helper()
	var c *conn
	waitFor(t, "one connection", func() bool {
		h.mu.RLock()
		defer h.mu.RUnlock()
		for k := range h.conns {
			c = k
		}
		return len(h.conns) == 1
	})
	return c
}

// waitIdle waits until c has no writer running.
func waitIdle(t *testing.T, c *conn) {
	t.Helper()
	waitFor(t, "the writer to be idle", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !c.writing
	})
}

// queueAll queues msgs on c in one critical section, as a burst of
// broker deliveries would.
func queueAll(c *conn, msgs [][]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range msgs {
		c.enqueueLocked(m)
	}
}

// readAll reads len(want) messages and checks each is intact and in order.
func readAll(t *testing.T, ws *websocket.Conn, want [][]byte) {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	for i, w := range want {
		mt, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("message %d of %d: %v", i, len(want), err)
		}
		if mt != websocket.TextMessage {
			t.Fatalf("message %d: type %d, want text", i, mt)
		}
		if !bytes.Equal(b, w) {
			t.Fatalf("message %d: got %d bytes starting %q, want %d bytes starting %q",
				i, len(b), b[:min(len(b), 12)], len(w), w[:min(len(w), 12)])
		}
	}
}

func TestBatchedWritesIntact(t *testing.T) { forEachBroker(t, testBatchedWritesIntact) }

func testBatchedWritesIntact(t *testing.T, mk brokerMaker) {
	msgs := batchMessages()
	e := newEnv(t, Options{SendQueue: 2 * len(msgs)}, nil, mk)
	cl := e.dial(t, "")
	c := onlyConn(t, e.hub)
	waitIdle(t, c) // the hello is counted
	before := counterNow(t, e.hub.metrics.sent)
	queueAll(c, msgs)
	readAll(t, cl.ws, msgs)
	if got := counterNow(t, e.hub.metrics.sent) - before; got != float64(len(msgs)) {
		t.Fatalf("sent counter moved by %v, want %d", got, len(msgs))
	}
	// Pings queued among messages are ping frames between them.
	pings := make(chan string, 4)
	cl.ws.SetPingHandler(func(s string) error { pings <- s; return nil })
	small := [][]byte{batchPayload(1, 10), nil, batchPayload(2, 300)}
	queueAll(c, small)
	readAll(t, cl.ws, [][]byte{small[0], small[2]})
	select {
	case <-pings:
	default:
		t.Fatal("the queued ping did not arrive before the next message")
	}
}

func TestClientPingAnsweredDuringBurst(t *testing.T) {
	forEachBroker(t, testClientPingAnsweredDuringBurst)
}

func testClientPingAnsweredDuringBurst(t *testing.T, mk brokerMaker) {
	msgs := batchMessages()
	e := newEnv(t, Options{SendQueue: 2 * len(msgs)}, nil, mk)
	cl := e.dial(t, "")
	c := onlyConn(t, e.hub)
	pongs := make(chan string, 8)
	cl.ws.SetPongHandler(func(s string) error { pongs <- s; return nil })

	// Alone: the writer starts for the pong.
	if err := cl.ws.WriteControl(websocket.PingMessage, []byte("p0"), time.Now().Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	queueAll(c, msgs[:1]) // something to read, so the pong is processed
	readAll(t, cl.ws, msgs[:1])
	waitPong(t, cl, pongs, "p0")

	// In the middle of a burst: the frames stay whole.
	queueAll(c, msgs[1:])
	if err := cl.ws.WriteControl(websocket.PingMessage, []byte("p1"), time.Now().Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	readAll(t, cl.ws, msgs[1:])
	waitPong(t, cl, pongs, "p1")
}

// waitPong waits for a pong with payload want, reading (the client handles
// control frames only while it reads) until a short message it asks for.
func waitPong(t *testing.T, cl *client, pongs chan string, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case got := <-pongs:
			if got != want {
				t.Fatalf("pong %q, want %q", got, want)
			}
			return
		default:
		}
		cl.send(map[string]any{"type": "dance"}) // answered with an error message
		cl.expect(TypeError)
	}
	t.Fatalf("no pong %q", want)
}

func TestClientCloseAnswered(t *testing.T) { forEachBroker(t, testClientCloseAnswered) }

func testClientCloseAnswered(t *testing.T, mk brokerMaker) {
	msgs := batchMessages()
	e := newEnv(t, Options{SendQueue: 2 * len(msgs)}, nil, mk)
	for _, tc := range []struct {
		name  string
		burst bool
	}{{"idle", false}, {"during_burst", true}} {
		t.Run(tc.name, func(t *testing.T) {
			cl := e.dial(t, "")
			c := onlyConn(t, e.hub)
			if tc.burst {
				queueAll(c, msgs)
			}
			msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye")
			if err := cl.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(5*time.Second)); err != nil {
				t.Fatal(err)
			}
			// Whatever was already on the way arrives whole, then the answer.
			_ = cl.ws.SetReadDeadline(time.Now().Add(30 * time.Second))
			for i := 0; ; i++ {
				_, b, err := cl.ws.ReadMessage()
				if err == nil {
					if i >= len(msgs) || !bytes.Equal(b, msgs[i]) {
						t.Fatalf("message %d before the close reply is not message %d intact", i, i)
					}
					continue
				}
				var ce *websocket.CloseError
				if !errors.As(err, &ce) {
					t.Fatalf("connection ended with %v, want a close reply", err)
				}
				if ce.Code != websocket.CloseNormalClosure {
					t.Fatalf("close reply code %d, want %d", ce.Code, websocket.CloseNormalClosure)
				}
				break
			}
			waitFor(t, "the connection to be gone", func() bool {
				e.hub.mu.RLock()
				defer e.hub.mu.RUnlock()
				return len(e.hub.conns) == 0
			})
		})
	}
}

// countingListener counts the Write calls on the connections it accepts.
// Its connections are not *net.TCPConn, so the writer uses one flat
// buffer for each batch: one Write call per batch.
type countingListener struct {
	net.Listener
	writes atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: nc, l: l}, nil
}

type countingConn struct {
	net.Conn
	l *countingListener
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.l.writes.Add(1)
	return c.Conn.Write(b)
}

func TestQueuedMessagesShareOneWrite(t *testing.T) {
	hub, err := NewHub(Options{SendQueue: 1024}, newFakeMap())
	if err != nil {
		t.Fatal(err)
	}
	b := NewMemoryBroker(hub)
	defer b.Close()
	hub.SetBroker(b)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hub.ServeWS(w, r, Identity{}, &fakeInbound{})
	}))
	l := &countingListener{Listener: srv.Listener}
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	}()
	cl := dialURL(t, srv.URL, "", nil)
	defer cl.ws.Close() // before Shutdown: no close grace to wait out
	c := onlyConn(t, hub)

	var msgs [][]byte
	for i := range 300 { // 300 × 200 B: within one batch
		msgs = append(msgs, batchPayload(i, 200))
	}
	waitIdle(t, c)
	before := l.writes.Load()
	queueAll(c, msgs)
	readAll(t, cl.ws, msgs)
	if n := l.writes.Load() - before; n != 1 {
		t.Fatalf("%d messages queued at once took %d writes, want 1", len(msgs), n)
	}

	// Past batchBytes the queue is split: a few writes, not one per message.
	msgs = msgs[:0]
	for i := range 50 { // 50 × 10 KB = 500 KB: 8 batches of 6
		msgs = append(msgs, batchPayload(i, 10_000))
	}
	waitIdle(t, c)
	before = l.writes.Load()
	queueAll(c, msgs)
	readAll(t, cl.ws, msgs)
	if n := l.writes.Load() - before; n != 9 {
		t.Fatalf("50 messages of 10 KB took %d writes, want 9 (6 a batch)", n)
	}
}

func TestFrameHeader(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "81 00"},
		{125, "81 7d"},
		{126, "81 7e 00 7e"},
		{65535, "81 7e ff ff"},
		{65536, "81 7f 00 00 00 00 00 01 00 00"},
		{1 << 32, "81 7f 00 00 00 01 00 00 00 00"},
	} {
		got := appendFrameHeader(nil, opText, tc.n)
		if hex := strings.TrimSpace(fmt.Sprintf("% x", got)); hex != tc.want {
			t.Errorf("header of %d bytes: %s, want %s", tc.n, hex, tc.want)
		}
	}
}

// TestFrameBatchReuse checks that a reused batch never shows a payload of
// the previous one (the pooled buffer is shared by goroutines over time).
func TestFrameBatchReuse(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for round := range 50 {
				f := frameBatches.Get().(*frameBatch)
				f.flat = round%2 == 0
				f.reset()
				var want bytes.Buffer
				for _, n := range []int{10, copyMax + 1, 300, 70_000} {
					p := batchPayload(g*1000+round, n)
					f.add(opText, p)
					want.Write(appendFrameHeader(nil, opText, n))
					want.Write(p)
				}
				var got bytes.Buffer
				v := f.buffers()
				if _, err := v.WriteTo(&got); err != nil {
					t.Error(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("goroutine %d round %d: batch differs", g, round)
				}
				f.release()
			}
		})
	}
	wg.Wait()
}
