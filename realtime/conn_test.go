package realtime

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestSlowClientDisconnected(t *testing.T) { forEachBroker(t, testSlowClientDisconnected) }

func testSlowClientDisconnected(t *testing.T, mk brokerMaker) {
	e := newEnv(t, Options{SendQueue: 8}, nil, mk)
	slow := e.dial(t, "")
	slow.watch(centerLat, centerLng, 1000, "")
	fast := e.dial(t, "")
	fast.watch(centerLat, centerLng, 1000, "")

	bigName := strings.Repeat("포차", 1000) // ~6 KB per message
	received := make(chan uint64, 100)
	go func() {
		defer close(received)
		for {
			var m PochaMessage
			if err := fast.ws.ReadJSON(&m); err != nil {
				return
			}
			received <- uint64(m.At.UnixNano())
		}
	}()
	var sent []uint64
	for batch := 0; e.hub.metrics != nil; batch++ {
		for range 4 { // below SendQueue: the fast client keeps up
			at := tick()
			ev := PochaEvent{Type: TypePochaMoved, ID: 1, Name: bigName, Lat: pt(10, 0)[0], Lng: pt(10, 0)[1], At: at}
			if err := e.hub.PublishPocha(context.Background(), ev, []string{testTopic(ev.Lat, ev.Lng)}); err != nil {
				t.Fatal(err)
			}
			sent = append(sent, uint64(at.UnixNano()))
		}
		for len(received) > 0 || len(sent) > 0 {
			// Wait until the fast client has everything published so far.
			got, ok := <-received
			if !ok {
				t.Fatal("fast client disconnected")
			}
			if got != sent[0] {
				t.Fatalf("fast client got %d, want %d", got, sent[0])
			}
			sent = sent[1:]
		}
		if slowClosed(e) {
			break
		}
		if batch > 2000 {
			t.Fatal("slow client never disconnected")
		}
	}
	slow.expectClose(CloseTryAgainLater)
}

// slowClosed reports whether a client was disconnected for its full queue.
func slowClosed(e *testEnv) bool {
	e.hub.mu.RLock()
	defer e.hub.mu.RUnlock()
	for c := range e.hub.conns {
		c.mu.Lock()
		code := c.closeCode
		c.mu.Unlock()
		if code == CloseTryAgainLater {
			return true
		}
	}
	return false
}

func TestInvalidMessages(t *testing.T) { forEachBroker(t, testInvalidMessages) }

func testInvalidMessages(t *testing.T, mk brokerMaker) {
	e := newEnv(t, Options{}, nil, mk)
	t.Run("bad_json", func(t *testing.T) {
		c := e.dial(t, "")
		c.sendRaw(websocket.TextMessage, []byte("{"))
		if m := c.expect(TypeError); m["code"] != CodeInvalidMessage {
			t.Fatalf("got %v", m)
		}
	})
	t.Run("unknown_type_echoes_ref", func(t *testing.T) {
		c := e.dial(t, "")
		c.sendRaw(websocket.TextMessage, []byte(`{"type":"dance","ref":"x1"}`))
		if m := c.expect(TypeError); m["code"] != CodeInvalidMessage || m["ref"] != "x1" {
			t.Fatalf("got %v", m)
		}
	})
	t.Run("wrong_field_type_echoes_ref", func(t *testing.T) {
		c := e.dial(t, "user=7&role=owner")
		c.sendRaw(websocket.TextMessage, []byte(`{"type":"location","ref":"l3","pocha_id":1,"lat":"NaN","lng":1,"at":"2026-11-25T08:00:00Z"}`))
		if m := c.expect(TypeError); m["code"] != CodeInvalidMessage || m["ref"] != "l3" {
			t.Fatalf("got %v", m)
		}
	})
	// The decoder is strict: a name given twice (which one would win?), a
	// name in the wrong case or invalid UTF-8 make the message malformed,
	// and the location is not applied.
	for _, tc := range []struct{ name, msg string }{
		{"repeated_name", `{"type":"location","ref":"d1","pocha_id":1,"lat":37.5,"lat":38.5,"lng":127,"at":"2026-11-25T08:00:00Z"}`},
		{"wrong_case_name", `{"type":"location","ref":"d1","pocha_id":1,"Lat":37.5,"lng":127,"at":"2026-11-25T08:00:00Z"}`},
		{"invalid_utf8", "{\"type\":\"location\",\"ref\":\"d1\",\"pocha_id\":1,\"lat\":37.5,\"lng\":127,\"at\":\"2026-11-25T08:00:00Z\",\"x\":\"\xff\"}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.dial(t, "user=7&role=owner")
			before := e.in.locations.Load()
			c.sendRaw(websocket.TextMessage, []byte(tc.msg))
			if m := c.expect(TypeError); m["code"] != CodeInvalidMessage {
				t.Fatalf("got %v", m)
			}
			if n := e.in.locations.Load(); n != before {
				t.Fatalf("%d locations applied, want %d", n, before)
			}
		})
	}
	t.Run("bad_radius", func(t *testing.T) {
		c := e.dial(t, "")
		c.send(WatchMessage{Type: TypeWatch, Lat: centerLat, Lng: centerLng, RadiusM: 5001})
		if m := c.expect(TypeError); m["code"] != CodeInvalidMessage {
			t.Fatalf("got %v", m)
		}
	})
	t.Run("anonymous_location", func(t *testing.T) {
		c := e.dial(t, "")
		c.send(LocationMsg{PochaID: 1, Lat: centerLat, Lng: centerLng, At: tick()})
		c.sendRaw(websocket.TextMessage, []byte(`{"type":"location","pocha_id":1,"lat":37.5,"lng":127,"at":"2026-11-25T08:00:00Z"}`))
		if m := c.expect(TypeError); m["code"] != CodeInvalidMessage { // the first lacks "type"
			t.Fatalf("got %v", m)
		}
		if m := c.expect(TypeError); m["code"] != CodeUnauthorized {
			t.Fatalf("got %v", m)
		}
	})
	t.Run("repeated_invalid_closes_1008", func(t *testing.T) {
		c := e.dial(t, "")
		for range 20 {
			c.sendRaw(websocket.BinaryMessage, []byte{1, 2, 3})
		}
		for range 20 {
			c.expect(TypeError)
		}
		c.expectClose(ClosePolicyViolation)
	})
	t.Run("oversized_closes_1008", func(t *testing.T) {
		c := e.dial(t, "")
		c.sendRaw(websocket.TextMessage, []byte(`{"type":"watch","ref":"`+strings.Repeat("x", 5000)+`"}`))
		c.expectClose(ClosePolicyViolation)
	})
}

func TestInboundErrors(t *testing.T) { forEachBroker(t, testInboundErrors) }

func testInboundErrors(t *testing.T, mk brokerMaker) {
	e := newEnv(t, Options{}, nil, mk)
	c := e.dial(t, "user=7&role=owner")
	loc := `{"type":"location","ref":"L","pocha_id":12,"lat":37.57,"lng":126.99,"at":"2026-11-25T08:00:00.123Z"}`
	c.sendRaw(websocket.TextMessage, []byte(loc)) // success: no reply
	waitFor(t, "the location to be handled", func() bool { return e.in.locations.Load() == 1 })
	e.in.setErr(codedErr{"not_open", "the stall is not open"})
	c.sendRaw(websocket.TextMessage, []byte(loc))
	if m := c.expect(TypeError); m["code"] != "not_open" || m["ref"] != "L" || m["message"] != "the stall is not open" {
		t.Fatalf("got %v", m)
	}
	e.in.setErr(errors.New("db: connection refused at 10.0.0.3"))
	c.sendRaw(websocket.TextMessage, []byte(`{"type":"ack","order_id":42}`))
	m := c.expect(TypeError)
	if m["code"] != CodeInternal || strings.Contains(m["message"].(string), "10.0.0.3") {
		t.Fatalf("got %v", m)
	}
	if e.in.locations.Load() != 2 || e.in.acks.Load() != 1 {
		t.Fatalf("inbound saw %d locations, %d acks", e.in.locations.Load(), e.in.acks.Load())
	}
	customer := e.dial(t, "user=8&role=customer")
	customer.sendRaw(websocket.TextMessage, []byte(loc))
	if m := customer.expect(TypeError); m["code"] != CodeForbidden {
		t.Fatalf("got %v", m)
	}
}

func TestRateLimitSlowsFlood(t *testing.T) { forEachBroker(t, testRateLimitSlowsFlood) }

func testRateLimitSlowsFlood(t *testing.T, mk brokerMaker) {
	const rate, burst = 10, 5
	e := newEnv(t, Options{MessageRate: rate, MessageBurst: burst}, nil, mk)
	c := e.dial(t, "user=7&role=owner")
	start := time.Now()
	const n = 40
	for range n {
		c.sendRaw(websocket.TextMessage, []byte(`{"type":"ack","order_id":1}`))
	}
	check := func() int64 {
		seen := e.in.acks.Load()
		allowed := burst + rate*time.Since(start).Seconds() + 1
		if float64(seen) > allowed {
			t.Fatalf("inbound saw %d messages, the limit allows %.1f", seen, allowed)
		}
		return seen
	}
	check() // right after the flood was written
	waitFor(t, "limited messages to be handled", func() bool { return check() >= burst+rate })
}

func TestOrigin(t *testing.T) { forEachBroker(t, testOrigin) }

func testOrigin(t *testing.T, mk brokerMaker) {
	for _, tc := range []struct {
		name    string
		allowed []string
		origin  string
		ok      bool
	}{
		{"same_host", nil, "SAME", true},
		{"other_host_refused", nil, "https://evil.example", false},
		{"listed", []string{"https://illuwa.kr"}, "https://illuwa.kr", true},
		{"not_listed", []string{"https://illuwa.kr"}, "https://evil.example", false},
		{"star", []string{"*"}, "https://anything.example", true},
		{"no_origin_header", nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{AllowedOrigins: tc.allowed}, nil, mk)
			h := http.Header{}
			switch tc.origin {
			case "SAME":
				h.Set("Origin", e.srv.URL)
			case "":
			default:
				h.Set("Origin", tc.origin)
			}
			u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/ws"
			ws, resp, err := websocket.DefaultDialer.Dial(u, h)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				_ = ws.Close()
				return
			}
			if err == nil {
				_ = ws.Close()
				t.Fatal("origin accepted")
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("response %v, want 403", resp)
			}
		})
	}
}

func TestShutdownSends1001(t *testing.T) { forEachBroker(t, testShutdownSends1001) }

func testShutdownSends1001(t *testing.T, mk brokerMaker) {
	e := newEnv(t, Options{}, nil, mk)
	c := e.dial(t, "")
	c.watch(centerLat, centerLng, 1000, "")
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- e.hub.Shutdown(ctx)
	}()
	c.expectClose(CloseGoingAway)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/ws"
	if _, resp, err := websocket.DefaultDialer.Dial(u, nil); err == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after shutdown: %v %v", err, resp)
	}
}

func TestKeepalive(t *testing.T) { forEachBroker(t, testKeepalive) }

func testKeepalive(t *testing.T, mk brokerMaker) {
	e := newEnv(t, Options{PingInterval: 20 * time.Millisecond, WriteTimeout: 50 * time.Millisecond}, nil, mk)
	t.Run("pings_arrive", func(t *testing.T) {
		c := e.dial(t, "")
		pings := make(chan struct{}, 100)
		c.ws.SetPingHandler(func(data string) error {
			pings <- struct{}{}
			return c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
		})
		c.keepReading()
		for range 5 {
			select {
			case <-pings:
			case <-waitLong():
				t.Fatal("no ping")
			}
		}
	})
	t.Run("silent_client_dropped", func(t *testing.T) {
		c := e.dial(t, "") // never reads again, so never answers pings
		_ = c
		waitFor(t, "the silent client to be dropped", func() bool {
			e.hub.mu.RLock()
			defer e.hub.mu.RUnlock()
			return len(e.hub.conns) == 0
		})
	})
}
