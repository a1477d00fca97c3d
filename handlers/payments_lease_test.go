package handlers

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/handlers/ordering"
	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// A confirm in flight renews its payment's lease while its gateway call
// runs: the lease moves forward, and the reconciler leaves the payment alone
// however long the call takes.
func TestConfirmRenewsItsLease(t *testing.T) {
	t.Parallel()
	hold := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(hold) }) }
	t.Cleanup(release)
	reached := make(chan uint64, 1)
	p := newPayAPI(t, store.SQLite, func(d *Deps) {
		d.Options.PaymentHook = func(point string, orderID uint64) {
			if point == ordering.HookBeforeGateway {
				reached <- orderID
				<-hold
			}
		}
	})
	ctx := context.Background()
	o := p.order(1)
	key := p.checkout(o, "")
	answer := make(chan response, 1)
	go func() { answer <- p.confirm(p.cust, "lease-0001", o.ID, key, o.Total) }()
	<-reached
	first, err := p.store.PaymentByOrder(ctx, o.ID)
	if err != nil || first.Status != store.PaymentPending {
		t.Fatalf("payment %+v %v", first, err)
	}
	// Past one renewal period (lease/3), with room for a slow machine.
	deadline := time.Now().Add(store.ConfirmLease)
	for {
		time.Sleep(200 * time.Millisecond)
		now, _ := p.store.PaymentByOrder(ctx, o.ID)
		if now.NextCheckAt.After(first.NextCheckAt) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lease never renewed: %v", now.NextCheckAt)
		}
	}
	if n := p.srv.orders.Reconcile(ctx, time.Now()); n != 0 {
		t.Fatalf("reconciled %d payments of a living confirm", n)
	}
	if c := p.fake.Calls("/v1/payments/orders/" + o.PaymentOrderID); c != 0 {
		t.Fatalf("%d lookups of a living confirm", c)
	}
	release()
	(<-answer).mustStatus(t, 200)
	if c := p.fake.Charges(); c != 1 {
		t.Fatalf("charges %d", c)
	}
}

// A confirm whose instance died after claiming the payment and before the
// gateway call: the lease runs out; the first lookup finds nothing but is
// not believed yet (the call might still land); the next lookup,
// PaymentTimeout later, marks the payment failed and the customer pays.
func TestDeadConfirmBeforeGatewayFails(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Backends {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			const timeout = 2 * time.Second
			p := newPayAPI(t, kind, func(d *Deps) { d.Options.PaymentTimeout = timeout })
			ctx := context.Background()
			o := p.order(1)
			key := p.checkout(o, "")
			// What the dead instance left: the claim, and nothing sent.
			if _, err := p.store.BeginPayment(ctx, o.ID, key, o.Total); err != nil {
				t.Fatal(err)
			}
			lookup := "/v1/payments/orders/" + o.PaymentOrderID
			t0 := time.Now()
			if n := p.srv.orders.Reconcile(ctx, t0.Add(store.ConfirmLease/2)); n != 0 || p.fake.Calls(lookup) != 0 {
				t.Fatalf("looked up inside the lease: %d settled, %d lookups", n, p.fake.Calls(lookup))
			}
			at := t0.Add(store.ConfirmLease + time.Second)
			p.srv.orders.Reconcile(ctx, at)
			pay, _ := p.store.PaymentByOrder(ctx, o.ID)
			if p.fake.Calls(lookup) != 1 || pay.Status != store.PaymentUnknown {
				t.Fatalf("after the lease: %d lookups, payment %s", p.fake.Calls(lookup), pay.Status)
			}
			p.srv.orders.Reconcile(ctx, at.Add(timeout/2))
			if c := p.fake.Calls(lookup); c != 1 {
				t.Fatalf("looked up %d times before PaymentTimeout passed", c)
			}
			if n := p.srv.orders.Reconcile(ctx, at.Add(timeout+time.Second)); n != 1 {
				t.Fatalf("settled %d", n)
			}
			if pay, _ = p.store.PaymentByOrder(ctx, o.ID); pay.Status != store.PaymentFailed {
				t.Fatalf("payment %s, want failed", pay.Status)
			}
			if got := p.getOrder(p.cust, o.ID); got.Status != store.OrderPendingPayment {
				t.Fatalf("order %s", got.Status)
			}
			p.confirm(p.cust, "dead-retry-1", o.ID, key, o.Total).mustStatus(t, 200)
			if c := p.fake.Charges(); c != 1 {
				t.Fatalf("charges %d", c)
			}
		})
	}
}

// A gateway that does not answer lookups is asked again after 2 s, 4 s,
// 8 s ... (at most a minute); the first answer settles the payment.
func TestLookupBackoff(t *testing.T) {
	t.Parallel()
	p := newPayAPI(t, store.SQLite)
	ctx := context.Background()
	o := p.order(1)
	key := p.checkout(o, "")
	p.fake.DelayNext(confirmPath, 1, 5*time.Second) // charged, answer lost
	p.confirm(p.cust, "backoff-0001", o.ID, key, o.Total).mustStatus(t, 503)
	lookup := "/v1/payments/orders/" + o.PaymentOrderID
	p.fake.FailNext(lookup, 3, 503)
	at := time.Now().Add(time.Second)
	for i, wait := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
		p.srv.orders.Reconcile(ctx, at)
		pay, _ := p.store.PaymentByOrder(ctx, o.ID)
		if c := p.fake.Calls(lookup); c != i+1 || pay.Lookups != i+1 {
			t.Fatalf("round %d: %d lookups, %d counted", i, c, pay.Lookups)
		}
		if got := pay.NextCheckAt.Sub(at); got < wait-time.Millisecond || got > wait+time.Millisecond {
			t.Fatalf("round %d: next lookup after %v, want %v", i, got, wait)
		}
		p.srv.orders.Reconcile(ctx, at.Add(wait-time.Millisecond))
		if c := p.fake.Calls(lookup); c != i+1 {
			t.Fatalf("round %d: looked up before the backoff ended", i)
		}
		at = at.Add(wait)
	}
	before := len(p.push.all())
	if n := p.srv.orders.Reconcile(ctx, at); n != 1 {
		t.Fatalf("settled %d", n)
	}
	if got := p.getOrder(p.cust, o.ID); got.Status != store.OrderPaid {
		t.Fatalf("order %s", got.Status)
	}
	if msgs := p.push.all()[before:]; len(msgs) != 1 || msgs[0].Type != "order.created" {
		t.Fatalf("pushes %+v", msgs)
	}
	if c := p.fake.Charges(); c != 1 {
		t.Fatalf("charges %d", c)
	}
}

// The workers push order.created again for a paid order its owner has not
// acknowledged (paid at least 5 s and at most 2 minutes ago), to the owner
// only, without a second notification; an acknowledged order is left alone.
func TestRepushUnacknowledged(t *testing.T) {
	t.Parallel()
	forEachPayBackend(t, func(t *testing.T, p *payAPI) {
		ctx := context.Background()
		o := p.pay(p.order(1))
		notes := len(p.push.notifications())
		if n := p.srv.orders.RepushUnacknowledged(ctx, time.Now()); n != 0 {
			t.Fatalf("re-pushed %d orders paid just now", n)
		}
		before := len(p.push.all())
		if n := p.srv.orders.RepushUnacknowledged(ctx, time.Now().Add(6*time.Second)); n != 1 {
			t.Fatalf("re-pushed %d, want 1", n)
		}
		msgs := p.push.all()[before:]
		if len(msgs) != 1 || msgs[0].Type != "order.created" || msgs[0].OrderID != o.ID || msgs[0].User != p.ownerU.ID {
			t.Fatalf("pushes %+v", msgs)
		}
		if len(p.push.notifications()) != notes {
			t.Fatal("a re-push stored another notification")
		}
		if n := p.srv.orders.RepushUnacknowledged(ctx, time.Now().Add(3*time.Minute)); n != 0 {
			t.Fatalf("re-pushed %d past the window", n)
		}
		if err := p.store.AckOrder(ctx, o.ID, p.ownerU.ID); err != nil {
			t.Fatal(err)
		}
		if n := p.srv.orders.RepushUnacknowledged(ctx, time.Now().Add(6*time.Second)); n != 0 {
			t.Fatalf("re-pushed %d acknowledged orders", n)
		}
	})
}
