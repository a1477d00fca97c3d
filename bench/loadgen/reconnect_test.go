package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestRunIdleReconnectsDroppedWatchers drops every connection of an idle
// run at once, as a restarting server does, and checks that each one comes
// back watching and is counted.
func TestRunIdleReconnectsDroppedWatchers(t *testing.T) {
	const n = 20
	f := newFakeServer(t)
	cfg := DefaultConfig()
	cfg.URL, cfg.Mode, cfg.IdleConns, cfg.Warmup, cfg.JSON = f.srv.URL, ModeIdle, n, 0, true
	cfg.IdleHold = 4 * time.Second
	cfg.SourceAddrs = 2

	watching := func() int {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.watchers)
	}
	dropped := make(chan int, 1)
	go func() {
		deadline := time.Now().Add(20 * time.Second)
		for watching() < n && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		f.mu.Lock()
		var all []*fakeConn
		for c := range f.conns {
			all = append(all, c)
		}
		f.mu.Unlock()
		for _, c := range all {
			c.wmu.Lock()
			_ = c.c.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseGoingAway, "restart"), time.Now().Add(time.Second))
			_ = c.c.Close()
			c.wmu.Unlock()
		}
		dropped <- len(all)
	}()

	var out bytes.Buffer
	if err := Run(context.Background(), cfg, &out); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := <-dropped; got != n {
		t.Fatalf("the test dropped %d connections, want %d", got, n)
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Idle == nil || res.Idle.Reconnect == nil {
		t.Fatalf("decode result: %v\n%s", err, out.String())
	}
	rc := res.Idle.Reconnect
	if rc.Dropped != n || rc.Resubscribed != n || rc.Downtime.Count != n {
		t.Errorf("reconnect = %+v, want %d dropped and back", rc, n)
	}
	if !(rc.FirstDropToLastBackSeconds > 0 && rc.FirstDropToLastBackSeconds < 10) {
		t.Errorf("first drop to last back %.3f s, want within (0, 10)", rc.FirstDropToLastBackSeconds)
	}
	if res.Idle.Disconnects["1001"] != n {
		t.Errorf("disconnects %v, want %d with 1001", res.Idle.Disconnects, n)
	}
}
