package handlers

import (
	"context"
	"testing"
	"time"

	"github.com/illuwa/illuwa/realtime"
	"github.com/illuwa/illuwa/store"
)

// TestGraphQLSubscriptionsHealAfterResync: the order pushes never reach the
// hub (they are recorded, not sent: lost, as with Redis away). After the
// broker resyncs, an orderCreated subscription gets the stall's paid,
// unacknowledged orders it had not been sent, each once across resyncs, and
// an orderUpdated subscription the order as it is now if it changed.
func TestGraphQLSubscriptionsHealAfterResync(t *testing.T) {
	t.Parallel()
	var hub *realtime.Hub
	p := newPayAPI(t, store.SQLite, withEverything(t), func(d *Deps) { hub = d.Hub })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = hub.Run(ctx) }()

	owner := p.gqlWS(p.owner)
	owner.subscribe("new", `subscription($p: ID!) { orderCreated(pochaId: $p) { id status } }`, map[string]any{"p": itoa(p.pocha)})
	o := p.order(1)
	cust := p.gqlWS(p.cust)
	cust.subscribe("o", `subscription($id: ID!) { orderUpdated(id: $id) { id status } }`, map[string]any{"id": itoa(o.ID)})
	var up struct{ OrderUpdated struct{ ID, Status string } }
	cust.next("o", &up)
	if up.OrderUpdated.Status != "PENDING_PAYMENT" {
		t.Fatalf("first orderUpdated %+v", up)
	}
	time.Sleep(50 * time.Millisecond) // both subscriptions are registered by now
	p.pay(o)                          // its pushes are lost
	hub.Resync()
	var created struct{ OrderCreated struct{ ID, Status string } }
	owner.next("new", &created)
	if created.OrderCreated.ID != itoa(o.ID) || created.OrderCreated.Status != "PAID" {
		t.Fatalf("orderCreated after resync %+v", created)
	}
	cust.next("o", &up)
	if up.OrderUpdated.Status != "PAID" {
		t.Fatalf("orderUpdated after resync %+v", up)
	}
	// A second resync repeats nothing; the next messages are news.
	hub.Resync()
	time.Sleep(200 * time.Millisecond)
	o2 := p.pay(p.order(2))
	p.do("POST", "/api/v1/orders/"+itoa(o.ID)+"/accept", p.owner, map[string]any{"ready_in_minutes": 10}).mustStatus(t, 200)
	hub.Resync()
	owner.next("new", &created)
	if created.OrderCreated.ID != itoa(o2.ID) {
		t.Fatalf("after the second resync the owner got order %s, want %d", created.OrderCreated.ID, o2.ID)
	}
	cust.next("o", &up)
	if up.OrderUpdated.Status != "ACCEPTED" {
		t.Fatalf("after the second resync the customer got %+v, want ACCEPTED", up)
	}
}
