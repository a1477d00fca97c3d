package realtime

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

const markerID = 999

// marker publishes a move of the marker stall at the centre; a client that
// then reads the marker has seen everything published before it on the
// centre's topic. Events of other topics may still come later (the memory
// broker delivers topics from several goroutines), so a test that expects
// nothing from another topic reads another expected event afterwards.
func (e *testEnv) marker(t *testing.T) {
	t.Helper()
	e.move(t, TypePochaMoved, markerID, pt(0, 0), pt(0, 0))
}

func (c *client) expectMarker() {
	c.t.Helper()
	c.expectPocha(TypePochaMoved, markerID)
}

func TestHello(t *testing.T) { forEachBroker(t, testHello) }

func testHello(t *testing.T, mk brokerMaker) {
	e := newEnv(t, Options{}, nil, mk)
	for _, tc := range []struct {
		name, query string
		user        float64
		role        string
	}{
		{"anonymous", "", 0, ""},
		{"owner", "user=7&role=owner", 7, "owner"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/ws?" + tc.query
			ws, _, err := websocket.DefaultDialer.Dial(u, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			c := &client{t: t, ws: ws}
			m := c.expect(TypeHello)
			if m["user_id"] != tc.user || m["role"] != tc.role {
				t.Fatalf("hello %v", m)
			}
		})
	}
}

func TestWatchSnapshot(t *testing.T) { forEachBroker(t, testWatchSnapshot) }

func testWatchSnapshot(t *testing.T, mk brokerMaker) {
	e := newEnv(t, Options{}, nil, mk)
	e.m.set(StallView{ID: 1, Name: "near", Lat: pt(300, 0)[0], Lng: pt(300, 0)[1], At: tick()})
	e.m.set(StallView{ID: 2, Name: "nearest", Lat: pt(0, 100)[0], Lng: pt(0, 100)[1], At: tick()})
	e.m.set(StallView{ID: 3, Name: "outside", Lat: pt(1500, 0)[0], Lng: pt(1500, 0)[1], At: tick()})
	c := e.dial(t, "")
	if got := c.watch(centerLat, centerLng, 1000, "r1"); !slices.Equal(got, []uint64{2, 1}) {
		t.Fatalf("snapshot ids %v, want [2 1] (nearest first, nothing outside)", got)
	}
}

func TestLiveEvents(t *testing.T) { forEachBroker(t, testLiveEvents) }

func testLiveEvents(t *testing.T, mk brokerMaker) {
	e := newEnv(t, Options{}, nil, mk)
	c := e.dial(t, "")
	c.watch(centerLat, centerLng, 1000, "")

	t.Run("move_inside_is_seen", func(t *testing.T) {
		e.move(t, TypePochaOpened, 1, pt(200, 0), pt(200, 0))
		c.expectPocha(TypePochaOpened, 1)
		e.move(t, TypePochaMoved, 1, pt(200, 0), pt(250, 0))
		m := c.expectPocha(TypePochaMoved, 1)
		if m["name"] != "stall 1" {
			t.Fatalf("moved %v", m)
		}
	})
	t.Run("move_outside_is_not_seen", func(t *testing.T) {
		e.move(t, TypePochaOpened, 2, pt(1500, 0), pt(1500, 0))
		e.move(t, TypePochaMoved, 2, pt(1500, 0), pt(1400, 0))
		e.marker(t)
		c.expectMarker()
	})
	t.Run("moving_out_sends_left", func(t *testing.T) {
		at := e.move(t, TypePochaMoved, 1, pt(250, 0), pt(1200, 0))
		m := c.expectPocha(TypePochaLeft, 1)
		if _, hasName := m["name"]; hasName || m["at"] != at.Format(time.RFC3339Nano) {
			t.Fatalf("left %v", m)
		}
		e.move(t, TypePochaMoved, 1, pt(1200, 0), pt(1300, 0)) // still outside: nothing
		e.marker(t)
		c.expectMarker()
	})
	t.Run("moving_in_sends_moved", func(t *testing.T) {
		e.move(t, TypePochaMoved, 2, pt(1400, 0), pt(900, 0))
		c.expectPocha(TypePochaMoved, 2)
	})
	t.Run("closed_sends_closed", func(t *testing.T) {
		e.move(t, TypePochaClosed, 2, pt(900, 0), pt(900, 0))
		m := c.expectPocha(TypePochaClosed, 2)
		if m["reason"] != "closed" {
			t.Fatalf("closed %v", m)
		}
		e.move(t, TypePochaClosed, 1, pt(1300, 0), pt(1300, 0)) // unknown outside: nothing
		e.marker(t)
		c.expectMarker()
	})
	t.Run("border_crossing_delivered_once", func(t *testing.T) {
		// 0.01° cells: crossing the border at 127.00° east of the centre.
		from, to := pt(0, 600), pt(0, 800)
		if testTopic(from[0], from[1]) == testTopic(to[0], to[1]) {
			t.Fatal("test points are in one cell")
		}
		e.move(t, TypePochaOpened, 3, from, from)
		c.expectPocha(TypePochaOpened, 3)
		e.move(t, TypePochaMoved, 3, from, to)
		c.expectPocha(TypePochaMoved, 3)
		e.marker(t)
		c.expectMarker()
	})
	t.Run("older_position_never_sent", func(t *testing.T) {
		old := PochaEvent{Type: TypePochaMoved, ID: 3, Name: "stall 3", Lat: pt(100, 0)[0], Lng: pt(100, 0)[1],
			At: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
		if err := e.hub.PublishPocha(context.Background(), old, []string{testTopic(old.Lat, old.Lng)}); err != nil {
			t.Fatal(err)
		}
		e.marker(t)
		c.expectMarker()
	})
}

func TestWatchReplacesAndUnsubscribes(t *testing.T) {
	forEachBroker(t, testWatchReplacesAndUnsubscribes)
}

func testWatchReplacesAndUnsubscribes(t *testing.T, mk brokerMaker) {
	e := newEnv(t, Options{}, nil, mk)
	subs := func() []string { return brokerTopics(t, e.broker) }
	want := func(lists ...[]string) []string {
		var out []string
		for _, l := range lists {
			out = append(out, l...)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	c := e.dial(t, "user=5&role=customer")
	c2 := e.dial(t, "")
	near := e.m.Topics(centerLat, centerLng, 1000)
	c.watch(centerLat, centerLng, 1000, "")
	c2.watch(centerLat, centerLng, 500, "")
	if got, w := subs(), want(near, []string{"user:5"}); !slices.Equal(got, w) {
		t.Fatalf("subscribed %v, want %v", got, w)
	}
	far := e.m.Topics(farLat, farLng, 1000)
	c.watch(farLat, farLng, 1000, "")
	if got, w := subs(), want(far, e.m.Topics(centerLat, centerLng, 500), []string{"user:5"}); !slices.Equal(got, w) {
		t.Fatalf("after new watch subscribed %v, want %v", got, w)
	}
	// The old area no longer reaches c.
	e.move(t, TypePochaOpened, 1, pt(100, 0), pt(100, 0))
	c2.expectPocha(TypePochaOpened, 1)
	e.move(t, TypePochaOpened, 2, [2]float64{farLat, farLng}, [2]float64{farLat, farLng})
	c.expectPocha(TypePochaOpened, 2)

	c2.send(UnwatchMessage{Type: TypeUnwatch})
	_ = c.ws.Close()
	waitFor(t, "unsubscribes", func() bool { return len(subs()) == 0 })
}

func TestWatchRace(t *testing.T) { forEachBroker(t, testWatchRace) }

func testWatchRace(t *testing.T, mk brokerMaker) {
	e := newEnv(t, Options{}, nil, mk)
	c := e.dial(t, "")
	c.watch(centerLat, centerLng, 1000, "") // subscribe the area

	// An event published while the snapshot is being taken is sent after
	// the snapshot when it is newer than the snapshot's position...
	block := make(chan struct{})
	stale := tick()
	e.m.mu.Lock()
	e.m.block = block
	e.m.override = []StallView{{ID: 1, Name: "stall 1", Lat: pt(100, 0)[0], Lng: pt(100, 0)[1], At: stale}}
	e.m.mu.Unlock()
	c.send(WatchMessage{Type: TypeWatch, Ref: "w2", Lat: centerLat, Lng: centerLng, RadiusM: 1000})
	waitFor(t, "snapshot to start", func() bool { return e.m.calls.Load() == 2 })
	e.move(t, TypePochaMoved, 1, pt(100, 0), pt(150, 0))
	waitFor(t, "the event to be held", func() bool { return pendingEvents(e) > 0 })
	close(block)
	c.expect(TypeSnapshot)
	c.expectPocha(TypePochaMoved, 1)

	// ...and dropped when the snapshot already holds a newer position.
	block = make(chan struct{})
	e.m.mu.Lock()
	e.m.block = block
	e.m.override = []StallView{{ID: 1, Name: "stall 1", Lat: pt(300, 0)[0], Lng: pt(300, 0)[1], At: tick().Add(time.Hour)}}
	e.m.mu.Unlock()
	c.send(WatchMessage{Type: TypeWatch, Lat: centerLat, Lng: centerLng, RadiusM: 1000})
	waitFor(t, "snapshot to start", func() bool { return e.m.calls.Load() == 3 })
	e.move(t, TypePochaMoved, 1, pt(150, 0), pt(200, 0))
	waitFor(t, "the event to be held", func() bool { return pendingEvents(e) > 0 })
	close(block)
	c.expect(TypeSnapshot)
	e.marker(t)
	c.expectMarker()
}

// pendingEvents counts the events held for connections whose snapshot is
// being taken.
func pendingEvents(e *testEnv) int {
	e.hub.mu.RLock()
	defer e.hub.mu.RUnlock()
	n := 0
	for c := range e.hub.conns {
		c.mu.Lock()
		if c.w != nil {
			n += len(c.w.pending)
		}
		c.mu.Unlock()
	}
	return n
}

func TestPublishUser(t *testing.T) { forEachBroker(t, testPublishUser) }

func testPublishUser(t *testing.T, mk brokerMaker) {
	e := newEnv(t, Options{}, nil, mk)
	owner := e.dial(t, "user=7&role=owner")
	other := e.dial(t, "user=8&role=customer")
	ctx := context.Background()
	if err := e.hub.PublishUser(ctx, 7, TypeOrderCreated, map[string]any{"id": 42}); err != nil {
		t.Fatal(err)
	}
	m := owner.expect(TypeOrderCreated)
	if m["order"].(map[string]any)["id"] != float64(42) {
		t.Fatalf("got %v", m)
	}
	if err := e.hub.PublishUser(ctx, 8, TypeNotification, map[string]any{"id": 1}); err != nil {
		t.Fatal(err)
	}
	other.expect(TypeNotification) // user 8 got only its own push
	if err := e.hub.PublishUser(ctx, 8, "bogus", nil); err == nil {
		t.Fatal("unknown type accepted")
	}
}

func TestMetricsRegistered(t *testing.T) { forEachBroker(t, testMetricsRegistered) }

func testMetricsRegistered(t *testing.T, mk brokerMaker) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, Options{Registerer: reg}, nil, mk)
	c := e.dial(t, "")
	c.watch(centerLat, centerLng, 1000, "")
	gather := func() map[string]float64 {
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, f := range families {
			m := f.GetMetric()[0]
			got[f.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
		return got
	}
	got := gather()
	for _, name := range []string{"illuwa_ws_connections", "illuwa_ws_messages_sent_total", "illuwa_ws_messages_dropped_total",
		"illuwa_ws_slow_disconnects_total", "illuwa_broker_messages_received_total", "illuwa_broker_resyncs_total",
		"illuwa_broker_messages_dropped_total"} {
		if _, ok := got[name]; !ok {
			t.Errorf("metric %s not registered", name)
		}
	}
	if got["illuwa_ws_connections"] != 1 {
		t.Errorf("connections gauge %v, want 1", got["illuwa_ws_connections"])
	}
	// The client has read hello and snapshot; the counter follows the write.
	waitFor(t, "sent counter", func() bool { return gather()["illuwa_ws_messages_sent_total"] >= 2 })
	if _, err := NewHub(Options{Registerer: reg}, e.m); err == nil {
		t.Error("second hub registered the same metrics")
	}
}
