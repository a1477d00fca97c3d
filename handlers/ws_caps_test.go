package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/illuwa/illuwa/geo"
	"github.com/illuwa/illuwa/handlers/livemap"
	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// withHubOptions gives the test API a WebSocket hub with the options.
func withHubOptions(t *testing.T, opts realtime.Options) func(*Deps) {
	return func(d *Deps) {
		hub, err := realtime.NewHub(opts, livemap.Reader{Index: geo.NewMemoryIndex()})
		if err != nil {
			t.Fatal(err)
		}
		broker := realtime.NewMemoryBroker(hub)
		hub.SetBroker(broker)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = hub.Shutdown(ctx)
			_ = broker.Close()
		})
		d.Hub = hub
	}
}

// The per-address WebSocket cap counts the client's address: the forwarded
// one only from a trusted proxy, so a client cannot dodge it by forging
// X-Forwarded-For, and clients behind a trusted balancer are told apart.
func TestWebSocketCapPerAddress(t *testing.T) {
	t.Parallel()
	dial := func(api *testAPI, forwarded string) int {
		h := http.Header{}
		if forwarded != "" {
			h.Set("X-Forwarded-For", forwarded)
		}
		ws, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(api.http.URL, "http")+"/ws", h)
		if err == nil {
			t.Cleanup(func() { _ = ws.Close() })
			return http.StatusSwitchingProtocols
		}
		if res == nil {
			t.Fatal(err)
		}
		return res.StatusCode
	}
	untrusted := newTestAPI(t, store.SQLite, withHubOptions(t, realtime.Options{MaxConnsPerAddr: 2}))
	for i, want := range []int{101, 101, 429} {
		if got := dial(untrusted, "203.0.113."+itoa(uint64(i+1))); got != want {
			t.Fatalf("untrusted proxy, connection %d: status %d, want %d", i, got, want)
		}
	}
	trusted := newTestAPI(t, store.SQLite, withHubOptions(t, realtime.Options{MaxConnsPerAddr: 2}), func(d *Deps) {
		d.Options.TrustedProxies = []string{"127.0.0.1"}
	})
	for i, want := range []int{101, 101, 429, 101} {
		addr := "203.0.113.1"
		if i == 3 {
			addr = "203.0.113.2"
		}
		if got := dial(trusted, addr); got != want {
			t.Fatalf("trusted proxy, connection %d from %s: status %d, want %d", i, addr, got, want)
		}
	}
}
