package loadgen

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
)

// TestDialSpreadsOverSourceAddrs dials a real WebSocket server from three
// source addresses and checks, from the addresses the server saw, that the
// connections came from 127.0.0.2, .3 and .4 in turn.
func TestDialSpreadsOverSourceAddrs(t *testing.T) {
	var (
		mu   sync.Mutex
		seen = map[string]int{}
	)
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			t.Errorf("remote address %q: %v", r.RemoteAddr, err)
		}
		mu.Lock() // before the handshake's answer, so a dial that returned is counted
		seen[host]++
		mu.Unlock()
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		_ = c.Close()
	}))
	defer srv.Close()

	d, err := newWSDialer(srv.URL, 4, SourceAddrs(3))
	if err != nil {
		t.Fatal(err)
	}
	for range 9 {
		c, err := d.dial(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		_ = c.Close()
	}
	mu.Lock()
	want := map[string]int{"127.0.0.2": 3, "127.0.0.3": 3, "127.0.0.4": 3}
	if len(seen) != len(want) {
		t.Fatalf("server saw %v, want %v", seen, want)
	}
	for h, n := range want {
		if seen[h] != n {
			t.Errorf("server saw %v, want %v", seen, want)
		}
	}
	mu.Unlock()

	// Without source addresses the system picks 127.0.0.1.
	plain, err := newWSDialer(srv.URL, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := plain.dial(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	mu.Lock()
	defer mu.Unlock()
	if seen["127.0.0.1"] != 1 {
		t.Errorf("default dial: server saw %v, want one from 127.0.0.1", seen)
	}
}

func TestValidateSourceAddrs(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SourceAddrs = 251
	if err := cfg.validate(); err == nil {
		t.Error("--source-addrs 251 accepted")
	}
	cfg.SourceAddrs = 8
	if err := cfg.validate(); err != nil {
		t.Errorf("--source-addrs 8 refused: %v", err)
	}
}
