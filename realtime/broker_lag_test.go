package realtime

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gatedReceiver holds its first message until open is closed.
type gatedReceiver struct {
	open  chan struct{}
	once  sync.Once
	first chan struct{} // closed when the first message arrives
	got   atomic.Int64
}

func (g *gatedReceiver) Receive(string, []byte) {
	g.once.Do(func() {
		close(g.first)
		<-g.open
	})
	g.got.Add(1)
}
func (g *gatedReceiver) Resync() {}

// TestRedisBrokerLagWhileTheReceiverIsBehind: while the receiver holds a
// message, the messages and probes behind it wait in Redis and Lag grows
// past 200 ms; once it lets go, Lag falls back under one probe interval.
func TestRedisBrokerLagWhileTheReceiverIsBehind(t *testing.T) {
	g := &gatedReceiver{open: make(chan struct{}), first: make(chan struct{})}
	b, _ := mustRedisBroker(t, g)
	ctx := context.Background()
	if err := b.Subscribe(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first probe to be answered", func() bool {
		return b.conns[0].lagAnswered.Load() != 0
	})
	if l := b.Lag(); l >= 200*time.Millisecond {
		t.Fatalf("lag %v with nothing waiting", l)
	}
	for range 20 {
		if err := b.Publish(ctx, "a", []byte("m")); err != nil {
			t.Fatal(err)
		}
	}
	<-g.first
	waitFor(t, "the lag to pass 200 ms while the receiver is held", func() bool { return b.Lag() > 200*time.Millisecond })
	close(g.open)
	waitFor(t, "the messages to arrive", func() bool { return g.got.Load() == 20 })
	waitFor(t, "the lag to fall back", func() bool { return b.Lag() < redisLagEvery })
}

// laggingBroker is a memory broker that reports the lag the test sets.
type laggingBroker struct {
	Broker
	lag atomic.Int64
}

func (l *laggingBroker) Lag() time.Duration { return time.Duration(l.lag.Load()) }

// TestLocationsRefusedWhileTheBrokerLags: past Options.MaxBrokerLag a
// location is refused with rate_limited (and counted); once the broker
// has caught up it is accepted.
func TestLocationsRefusedWhileTheBrokerLags(t *testing.T) {
	var lb *laggingBroker
	mem := memoryBrokerMaker(t)
	e := newEnv(t, Options{MaxBrokerLag: 100 * time.Millisecond}, nil, func(recv Receiver) Broker {
		lb = &laggingBroker{Broker: mem(recv)}
		return lb
	})
	owner := e.dial(t, "user=7&role=owner")
	loc := func(ref string) []byte {
		return []byte(`{"type":"location","ref":"` + ref + `","pocha_id":12,"lat":37.57,"lng":126.99,"at":"2026-11-25T08:00:00.123Z"}`)
	}
	lb.lag.Store(int64(150 * time.Millisecond))
	owner.sendRaw(1, loc("L1"))
	if m := owner.expect(TypeError); m["code"] != CodeRateLimited || m["ref"] != "L1" {
		t.Fatalf("got %v, want rate_limited for L1", m)
	}
	if got := counterNow(t, e.hub.metrics.locRefused); got != 1 {
		t.Fatalf("illuwa_ws_locations_refused_total = %v, want 1", got)
	}
	if e.in.locations.Load() != 0 {
		t.Fatal("a refused location was applied")
	}
	lb.lag.Store(int64(100 * time.Millisecond)) // at the bound: not past it
	owner.sendRaw(1, loc("L2"))
	waitFor(t, "the location to be accepted", func() bool { return e.in.locations.Load() == 1 })
}
