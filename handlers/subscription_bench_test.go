package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/blob"
	"github.com/illuwa/illuwa/store/storetest"
)

// BenchmarkSubscriptionLatency is the delivery latency of one stall's move to
// a plain WebSocket watcher (`watch` on /ws) and to a GraphQL `stallsNear`
// subscriber (graphql-transport-ws on /api/v1/graphql), both on one server
// with the in-process broker, both watching the same 1 km circle:
//
//	go test -run '^$' -bench SubscriptionLatency -benchtime 2000x ./handlers/
//
// Each iteration applies one position and waits for both watchers to get
// it; ws-p50-µs, gql-p50-µs (and p99) are measured from the position's
// apply to each watcher's read of the event.
func BenchmarkSubscriptionLatency(b *testing.B) {
	ctx := context.Background()
	st := storetest.Open(b, store.SQLite)
	images, err := blob.OpenDir(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	idx := geo.NewMemoryIndex()
	hub, err := realtime.NewHub(realtime.Options{SendQueue: 1 << 16}, livemap.Reader{Index: idx})
	if err != nil {
		b.Fatal(err)
	}
	broker := realtime.NewMemoryBroker(hub)
	hub.SetBroker(broker)
	runCtx, stop := context.WithCancel(ctx)
	go func() { _ = hub.Run(runCtx) }()
	b.Cleanup(func() {
		stop()
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = hub.Shutdown(sctx)
		_ = broker.Close()
		_ = images.Close()
	})
	live := livemap.New(livemap.Deps{Index: idx, Publisher: hub, Store: st, Log: log})
	owner := store.User{LoginID: "bench_mover", PasswordHash: "x", Nickname: "사장", Email: "m@example.com", Role: store.RoleOwner, Approval: store.ApprovalApproved}
	if err := st.CreateUser(ctx, &owner); err != nil {
		b.Fatal(err)
	}
	p := store.Pocha{OwnerID: owner.ID, Name: "움직이는 포차"}
	if err := st.CreatePocha(ctx, &p); err != nil {
		b.Fatal(err)
	}
	const lat, lng = 37.5665, 126.978
	if err := live.Open(ctx, p, lat, lng); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(New(Deps{Store: st, Images: images, Log: log, Live: live, Hub: hub, Push: hub}))
	b.Cleanup(srv.Close)
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http")

	// The plain watcher: watch, then its snapshot.
	plain, _, err := websocket.DefaultDialer.Dial(wsURL+"/ws", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = plain.Close() })
	if err := plain.WriteJSON(realtime.WatchMessage{Type: realtime.TypeWatch, Lat: lat, Lng: lng, RadiusM: 1000}); err != nil {
		b.Fatal(err)
	}
	readUntil(b, plain, func(m map[string]any) bool { return m["type"] == realtime.TypeSnapshot })

	// The GraphQL subscriber: init, subscribe, then its SNAPSHOT.
	gql, _, err := websocket.DefaultDialer.Dial(wsURL+"/api/v1/graphql", http.Header{"Sec-WebSocket-Protocol": {"graphql-transport-ws"}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = gql.Close() })
	if err := gql.WriteJSON(map[string]any{"type": "connection_init"}); err != nil {
		b.Fatal(err)
	}
	readUntil(b, gql, func(m map[string]any) bool { return m["type"] == "connection_ack" })
	if err := gql.WriteJSON(map[string]any{"id": "map", "type": "subscribe", "payload": map[string]any{
		"query": `subscription { stallsNear(lat: 37.5665, lng: 126.978, radiusM: 1000) { type stall { id lat } } }`}}); err != nil {
		b.Fatal(err)
	}
	readUntil(b, gql, func(m map[string]any) bool { return m["type"] == "next" && strings.Contains(mustJSON(m), "SNAPSHOT") })

	arrivals := func(c *websocket.Conn, moved func(map[string]any) bool) <-chan time.Time {
		out := make(chan time.Time, 1024)
		go func() {
			defer close(out)
			for {
				var m map[string]any
				if err := c.ReadJSON(&m); err != nil {
					return
				}
				if m["type"] == "ping" {
					_ = c.WriteJSON(map[string]any{"type": "pong"})
				}
				if moved(m) {
					out <- time.Now()
				}
			}
		}()
		return out
	}
	plainGot := arrivals(plain, func(m map[string]any) bool { return m["type"] == realtime.TypePochaMoved })
	gqlGot := arrivals(gql, func(m map[string]any) bool { return m["type"] == "next" && strings.Contains(mustJSON(m), "MOVED") })

	who := realtime.Identity{UserID: owner.ID, Role: store.RoleOwner}
	at := time.Now().UTC()
	var wsLat, gqlLat []time.Duration
	i := 0
	for b.Loop() {
		// A centimetre north and back, a millisecond later: a believable speed.
		at = later(time.Now().UTC(), at.Add(time.Millisecond))
		i++
		msg := realtime.LocationMsg{PochaID: p.ID, Lat: lat + float64(i%2)*1e-7, Lng: lng, At: at}
		start := time.Now()
		if err := live.Location(ctx, who, msg); err != nil {
			b.Fatal(err)
		}
		for _, got := range []struct {
			ch  <-chan time.Time
			out *[]time.Duration
		}{{plainGot, &wsLat}, {gqlGot, &gqlLat}} {
			select {
			case t, ok := <-got.ch:
				if !ok {
					b.Fatal("a watcher's connection closed")
				}
				*got.out = append(*got.out, t.Sub(start))
			case <-time.After(10 * time.Second):
				b.Fatal("a move did not arrive within 10 s")
			}
		}
	}
	b.StopTimer()
	report := func(name string, ds []time.Duration) {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), name+"-p50-µs")
		b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds()), name+"-p99-µs")
	}
	report("ws", wsLat)
	report("gql", gqlLat)
}

// later is t, or just after last when last is not before t.
func later(t, last time.Time) time.Time {
	if t.After(last) {
		return t
	}
	return last.Add(time.Microsecond)
}

// readUntil reads messages of c until ok accepts one (10 s at most).
func readUntil(b *testing.B, c *websocket.Conn, ok func(map[string]any) bool) {
	b.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer func() { _ = c.SetReadDeadline(time.Time{}) }()
	for {
		var m map[string]any
		if err := c.ReadJSON(&m); err != nil {
			b.Fatalf("waiting for a message: %v", err)
		}
		if ok(m) {
			return
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
