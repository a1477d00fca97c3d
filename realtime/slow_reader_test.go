package realtime

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// TestStalledReaderCutByWriteTimeout: a client with a 2 KiB receive buffer
// that stops reading after its snapshot. The pushes fill the kernel buffers
// (about 1.6 MB on loopback) while the server's queue stays short; then a
// write waits, and WriteTimeout later the connection is cut and counted in
// illuwa_ws_write_timeouts_total, well before the send queue could fill. The
// client sees the connection drop, not a 1013 close frame (none can pass a
// full socket). A client that reads keeps up throughout.
func TestStalledReaderCutByWriteTimeout(t *testing.T) { forEachBroker(t, testStalledReaderCut) }

func testStalledReaderCut(t *testing.T, mk brokerMaker) {
	const writeTimeout = 500 * time.Millisecond
	reg := prometheus.NewRegistry()
	e := newEnv(t, Options{SendQueue: 100000, WriteTimeout: writeTimeout, Registerer: reg}, nil, mk)
	d := websocket.Dialer{NetDialContext: (&net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048)
		}); err != nil {
			return err
		}
		return serr
	}}).DialContext}
	ws, _, err := d.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	stalled := &client{t: t, ws: ws}
	stalled.expect(TypeHello)
	stalled.watch(centerLat, centerLng, 1000, "")
	reader := e.dial(t, "")
	reader.watch(centerLat, centerLng, 1000, "")
	readerGot := make(chan struct{}, 1<<16)
	go func() {
		for {
			if _, _, err := reader.ws.ReadMessage(); err != nil {
				return
			}
			readerGot <- struct{}{}
		}
	}()

	bigName := strings.Repeat("포차", 1000) // ~6 KB per message
	start := time.Now()
	sent := 0
	for counterValue(t, reg, "illuwa_ws_write_timeouts_total", "") == 0 {
		if time.Since(start) > 60*time.Second {
			t.Fatalf("stalled client not cut after %d pushes in %v", sent, time.Since(start))
		}
		ev := PochaEvent{Type: TypePochaMoved, ID: 1, Name: bigName, Lat: pt(10, 0)[0], Lng: pt(10, 0)[1], At: tick()}
		if err := e.hub.PublishPocha(context.Background(), ev, []string{testTopic(ev.Lat, ev.Lng)}); err != nil {
			t.Fatal(err)
		}
		sent++
		if sent%16 == 0 {
			time.Sleep(5 * time.Millisecond) // let the broker and the writers keep up
		}
	}
	took := time.Since(start)
	t.Logf("cut after %d pushes (~%d KB) in %v", sent, sent*6, took)
	if n := counterValue(t, reg, "illuwa_ws_slow_disconnects_total", ""); n != 0 {
		t.Fatalf("cut by the send queue (%v), not the write timeout", n)
	}
	// What the stalled client sees when it reads again: the connection is
	// gone without a close frame.
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue
		}
		// 1006 is the client library's name for "closed without a frame".
		if ce, ok := errors.AsType[*websocket.CloseError](err); ok && ce.Code != websocket.CloseAbnormalClosure {
			t.Fatalf("the stalled client got a close frame %d", ce.Code)
		}
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			t.Fatalf("the stalled client's connection is still open: %v", err)
		}
		break
	}
	// The reading client was not held up: it got (nearly) every push.
	deadline := time.After(10 * time.Second)
	for got := 0; got < sent; got++ {
		select {
		case <-readerGot:
		case <-deadline:
			t.Fatalf("the reading client got %d of %d pushes", got, sent)
		}
	}
}
