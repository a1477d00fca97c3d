package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func smallMapConfig(t *testing.T, url string) Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.URL = url
	cfg.Owners, cfg.Stalls, cfg.Movers, cfg.Rate = 3, 40, 12, 120
	cfg.Watchers, cfg.RadiusM = 30, 1500
	cfg.Duration, cfg.Warmup, cfg.Drain = 1500*time.Millisecond, 0, 700*time.Millisecond
	cfg.Dialers = 8
	cfg.StatePath = filepath.Join(t.TempDir(), "state.json")
	cfg.Area = Area{MinLat: 37.55, MaxLat: 37.58, MinLng: 126.97, MaxLng: 127.00}
	cfg.JSON = true
	return cfg
}

// TestRunMapCountsMatchServer runs a small map load against a fake server
// that rejects some updates, drops every move of one stall and sends some
// events outside the watched circles, and checks every count of the report
// against what the server did.
func TestRunMapCountsMatchServer(t *testing.T) {
	f := newFakeServer(t)
	f.dropStall = 2 // the second stall created: a mover
	f.extraM = 300
	cfg := smallMapConfig(t, f.srv.URL)
	var out bytes.Buffer
	if err := Run(context.Background(), cfg, &out); err != nil {
		t.Fatalf("Run: %v", err)
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("decode result: %v\n%s", err, out.String())
	}
	m := res.Map
	if m == nil {
		t.Fatalf("no map result: %s", out.String())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.locations == 0 || f.accepted == 0 || f.rejected == 0 {
		t.Fatalf("fake saw %d locations, %d accepted, %d rejected: the run did not load it", f.locations, f.accepted, f.rejected)
	}
	if f.tooFast != 0 {
		t.Errorf("%d updates broke the speed limit", f.tooFast)
	}
	checks := []struct {
		name      string
		got, want int64
	}{
		{"sent", m.Sent, f.locations},
		{"accepted (server counter)", int64(m.Accepted), f.accepted},
		{"rejected stale_time", m.Rejected["stale_time"], f.rejected},
		{"expected pairs", m.Expected, f.expectedPairs},
		{"lost", m.Lost, f.droppedExpected},
		{"delivered", m.Delivered, f.movedSent},
		{"extra", m.Extra, f.extraSent},
		{"received", m.Received, f.expectedPairs - f.droppedExpected},
		{"duplicates", m.Duplicates, 0},
		{"unmatched", m.Unmatched, 0},
		{"pocha.moved events", m.Events["pocha.moved"], f.movedSent},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if f.droppedExpected == 0 || f.extraSent == 0 {
		t.Errorf("test setup: dropped %d, extra %d; both should be positive", f.droppedExpected, f.extraSent)
	}
	if m.Latency.Count != uint64(m.Delivered) {
		t.Errorf("latency samples %d, delivered %d", m.Latency.Count, m.Delivered)
	}
	if len(m.Disconnects) != 0 || len(m.Errors) != 0 {
		t.Errorf("disconnects %v errors %v, want none", m.Disconnects, m.Errors)
	}
	if m.SnapshotStalls <= 0 {
		t.Errorf("snapshot stalls %v, want > 0", m.SnapshotStalls)
	}

	// The state file lets a second run reuse the stalls.
	created := f.nextID
	f.mu.Unlock()
	cfg.Reuse, cfg.SetupOnly = true, true
	err := Run(context.Background(), cfg, &out)
	f.mu.Lock()
	if err != nil {
		t.Fatalf("setup-only reuse: %v", err)
	}
	if f.nextID != created {
		t.Errorf("reuse created %d more stalls", f.nextID-created)
	}
}

func TestRunIdleMemoryPerConnection(t *testing.T) {
	f := newFakeServer(t)
	cfg := DefaultConfig()
	cfg.URL, cfg.Mode, cfg.IdleConns, cfg.Warmup, cfg.JSON = f.srv.URL, ModeIdle, 20, 0, true
	var out bytes.Buffer
	if err := Run(context.Background(), cfg, &out); err != nil {
		t.Fatalf("Run: %v", err)
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Idle == nil {
		t.Fatalf("decode result: %v\n%s", err, out.String())
	}
	if res.Idle.Connected != 20 {
		t.Errorf("connected %d, want 20", res.Idle.Connected)
	}
	// The fake reports 5000 heap + 3000 stack bytes per connection.
	if res.Idle.BytesPerConn != 8000 {
		t.Errorf("bytes per connection %v, want 8000", res.Idle.BytesPerConn)
	}
}

func TestRunNearbyCountsRequests(t *testing.T) {
	f := newFakeServer(t)
	cfg := smallMapConfig(t, f.srv.URL)
	cfg.Mode, cfg.NearbyClients, cfg.Duration = ModeNearby, 4, 300*time.Millisecond
	cfg.CPUProfile = filepath.Join(t.TempDir(), "loadgen.pprof")
	procs := runtime.GOMAXPROCS(0)
	var out bytes.Buffer
	if err := Run(context.Background(), cfg, &out); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if p := runtime.GOMAXPROCS(0); p != procs {
		t.Errorf("GOMAXPROCS %d after the run, %d before", p, procs)
	}
	if b, err := os.ReadFile(cfg.CPUProfile); err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("--cpuprofile: %v, %d bytes; want a gzipped profile", err, len(b))
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Nearby == nil {
		t.Fatalf("decode result: %v\n%s", err, out.String())
	}
	n := res.Nearby
	if n.Requests == 0 || len(n.Errors) != 0 || n.ItemsAvg <= 0 {
		t.Errorf("requests %d errors %v items %.1f; want requests, no errors, items", n.Requests, n.Errors, n.ItemsAvg)
	}
	if n.Latency.Count != uint64(n.Requests) {
		t.Errorf("latency count %d != requests %d", n.Latency.Count, n.Requests)
	}
}
