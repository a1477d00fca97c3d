package realtime

import (
	"context"
	"math"
	"sync"
	"testing"
)

// heldBroker records what the hub publishes and delivers it only when the
// test says, in the order the test chooses: the reordering that brokers
// allow across topics, made certain.
type heldBroker struct {
	recv Receiver
	mu   sync.Mutex
	held []recorded
}

func (b *heldBroker) Publish(_ context.Context, topic string, payload []byte) error {
	b.mu.Lock()
	b.held = append(b.held, recorded{topic, string(payload)})
	b.mu.Unlock()
	return nil
}
func (b *heldBroker) Subscribe(context.Context, ...string) error   { return nil }
func (b *heldBroker) Unsubscribe(context.Context, ...string) error { return nil }
func (b *heldBroker) Close() error                                 { return nil }

// take returns the messages held so far and forgets them.
func (b *heldBroker) take() []recorded {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.held
	b.held = nil
	return out
}

// TestOlderEventCountedAsSuperseded: a stall moves within one topic cell,
// then across into the next; the watcher, who holds both cells, receives
// the second move (through the new cell) before the first. It is sent the
// newer position only, and the older event it never gets is counted in
// illuwa_ws_events_superseded_total; the same event through two topics is
// a duplicate, neither sent nor counted.
func TestOlderEventCountedAsSuperseded(t *testing.T) {
	hb := &heldBroker{}
	e := newEnv(t, Options{}, nil, func(recv Receiver) Broker { hb.recv = recv; return hb })
	w := e.dial(t, "")
	// The watched circle covers two test cells either side of a border.
	border := cellDeg * (1 + math.Floor(centerLat/cellDeg))
	w.watch(border, centerLng, 2000, "")
	below := func(m float64) [2]float64 { return [2]float64{border - m/111195, centerLng} }
	if testTopic(below(50)[0], centerLng) == testTopic(border+50.0/111195, centerLng) {
		t.Fatal("test setup: both points in one cell")
	}
	e.move(t, TypePochaMoved, 5, below(100), below(50))                                  // first: in the lower cell
	e.move(t, TypePochaMoved, 5, below(50), [2]float64{border + 50.0/111195, centerLng}) // then across
	msgs := hb.take()
	if len(msgs) != 3 {
		t.Fatalf("held %d publishes, want the first move on one topic and the second on two", len(msgs))
	}
	// The second move first, through the upper cell, then the first move,
	// then the second again through the lower cell.
	for _, i := range []int{2, 0, 1} {
		hb.recv.Receive(msgs[i].topic, []byte(msgs[i].payload))
	}
	e.marker(t)
	for _, m := range hb.take() {
		hb.recv.Receive(m.topic, []byte(m.payload))
	}
	got := w.expectPocha(TypePochaMoved, 5)
	if got["lat"].(float64) <= border {
		t.Fatalf("the watcher got the older position first: %v", got)
	}
	w.expectMarker()
	if n := counterNow(t, e.hub.metrics.superseded); n != 1 {
		t.Fatalf("superseded = %v, want 1 (the first move, received after the second)", n)
	}
}
