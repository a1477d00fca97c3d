package realtime

import (
	"context"
	"encoding/json"
	"testing"
)

// racingWelcomer reproduces the race of issue "one order shown twice": the
// order is paid (and pushed) while the connection's welcome is being built,
// so it reaches the connection both in the welcome replay and as the live
// push. Online then pushes a later order, which marks the end: everything
// about the first order was queued before it.
type racingWelcomer struct {
	fakeInbound
	hub            *Hub
	first, last    uint64
	welcomeReplays int
}

func (w *racingWelcomer) Welcome(ctx context.Context, who Identity) ([]any, error) {
	if err := w.hub.PublishUser(ctx, who.UserID, TypeOrderCreated, map[string]any{"id": w.first}); err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(map[string]any{"id": w.first})
	out := make([]any, 0, w.welcomeReplays)
	for range w.welcomeReplays {
		out = append(out, OrderMessage{Type: TypeOrderCreated, Order: raw, ServerTime: now()})
	}
	return out, nil
}

func (w *racingWelcomer) Online(ctx context.Context, who Identity, key string) {
	_ = w.hub.PublishUser(ctx, who.UserID, TypeOrderCreated, map[string]any{"id": w.last})
}

func (w *racingWelcomer) Offline(ctx context.Context, who Identity, key string) {}

// countOrdersUntil reads order messages until order last arrives and returns
// how many order.created of each id came.
func (c *client) countOrdersUntil(last uint64) map[uint64]int {
	c.t.Helper()
	seen := map[uint64]int{}
	for seen[last] == 0 {
		m := c.read()
		if m["type"] != TypeOrderCreated {
			continue
		}
		seen[uint64(m["order"].(map[string]any)["id"].(float64))]++
	}
	return seen
}

func TestOrderCreatedOncePerConnection(t *testing.T) {
	forEachBroker(t, func(t *testing.T, mk brokerMaker) {
		hub, err := NewHub(Options{}, newFakeMap())
		if err != nil {
			t.Fatal(err)
		}
		w := &racingWelcomer{hub: hub, first: 41, last: 42, welcomeReplays: 2}
		e := startEnv(t, hub, newFakeMap(), &w.fakeInbound, w, mk)
		for round := range 3 {
			c := e.dial(t, "user=7&role=owner")
			if got := c.countOrdersUntil(42); got[41] != 1 || got[42] != 1 {
				t.Fatalf("round %d: order.created per order id on one connection = %v, want each once", round, got)
			}
			// An order.updated of the same order is not a duplicate.
			if err := hub.PublishUser(context.Background(), 7, TypeOrderUpdated, map[string]any{"id": 41}); err != nil {
				t.Fatal(err)
			}
			if m := c.expect(TypeOrderUpdated); m["order"].(map[string]any)["id"] != float64(41) {
				t.Fatalf("got %v", m)
			}
			_ = c.ws.Close()
		}
	})
}

func TestSeenOrdersForgetsTheOldest(t *testing.T) {
	var s seenOrders
	for id := uint64(1); id <= maxSeenOrders+10; id++ {
		if !s.firstTime(id) {
			t.Fatalf("order %d reported as seen", id)
		}
	}
	if s.firstTime(maxSeenOrders + 10) {
		t.Fatal("the newest id was forgotten")
	}
	if !s.firstTime(5) { // among the 10 oldest, evicted
		t.Fatal("an evicted id is still remembered")
	}
	if len(s.ids) != maxSeenOrders {
		t.Fatalf("remembers %d ids, want at most %d", len(s.ids), maxSeenOrders)
	}
}

func TestOrderCreatedID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		id   uint64
		isOC bool
	}{
		{`{"type":"order.created","order":{"id":42,"status":"paid"},"server_time":"x"}`, 42, true},
		{`{"type":"order.updated","order":{"id":42}}`, 0, false},
		{`{"type":"order.created","order":{}}`, 0, false},
		{`{"type":"hello"}`, 0, false},
	} {
		id, ok := orderCreatedID([]byte(tc.in))
		if id != tc.id || ok != tc.isOC {
			t.Errorf("orderCreatedID(%s) = %d, %v; want %d, %v", tc.in, id, ok, tc.id, tc.isOC)
		}
	}
}
