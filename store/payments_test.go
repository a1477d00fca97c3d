package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/illuwa/illuwa/store"
	"github.com/illuwa/illuwa/store/storetest"
)

// A reconciler's lookup is only news about the payment as it was when the
// check was claimed: a confirm that resumed the payment meanwhile (unknown →
// pending, and back to unknown when its answer was lost too) must not be
// marked failed on that stale word, or a charge would never be looked up again.
func TestMarkPaymentFailedNeedsTheClaim(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mustOrderFixture(t, s)
		if _, err := s.BeginPayment(ctx, o.ID, "pk_1", o.Total); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkPaymentUnknown(ctx, o.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		now := time.Now().Add(time.Second)
		due, err := s.DuePayments(ctx, now, 10)
		if err != nil || len(due) != 1 {
			t.Fatalf("due %+v %v", due, err)
		}
		claim := now.Add(time.Minute)
		if won, err := s.ClaimPaymentCheck(ctx, due[0].ID, now, claim); err != nil || !won {
			t.Fatalf("claim %v %v", won, err)
		}
		// While the lookup is on its way, the customer retries the confirm with
		// the same key, and its answer is lost again.
		if _, err := s.BeginPayment(ctx, o.ID, "pk_1", o.Total); err != nil {
			t.Fatalf("resume: %v", err)
		}
		if err := s.MarkPaymentUnknown(ctx, o.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		// The lookup answers "nothing charged" about the state before the retry.
		moved, err := s.MarkPaymentFailed(ctx, o.ID, claim)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := s.PaymentByOrder(ctx, o.ID)
		if moved || p.Status != store.PaymentUnknown {
			t.Fatalf("a stale lookup moved the payment: moved=%v status %s", moved, p.Status)
		}
		// A lookup under the current claim does settle it.
		now = time.Now().Add(time.Second)
		claim = now.Add(time.Minute)
		if won, err := s.ClaimPaymentCheck(ctx, p.ID, now, claim); err != nil || !won {
			t.Fatalf("second claim %v %v", won, err)
		}
		if moved, err := s.MarkPaymentFailed(ctx, o.ID, claim); err != nil || !moved {
			t.Fatalf("current claim: moved=%v %v", moved, err)
		}
		if p, _ = s.PaymentByOrder(ctx, o.ID); p.Status != store.PaymentFailed {
			t.Fatalf("payment %s, want failed", p.Status)
		}
	})
}

// A confirm that lost the race to a cancellation must not reach the gateway:
// the claim is refused once the order is no longer pending_payment.
func TestBeginPaymentRefusesCancelledOrder(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mustOrderFixture(t, s)
		if _, err := s.TransitionOrder(ctx, store.Transition{OrderID: o.ID, From: store.OrderPendingPayment, To: store.OrderCancelled,
			By: store.ActorCustomer, ActorID: o.CustomerID}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.BeginPayment(ctx, o.ID, "pk_1", o.Total); !errors.Is(err, store.ErrInvalidTransition) {
			t.Fatalf("begin payment of a cancelled order: %v", err)
		}
		if _, err := s.PaymentByOrder(ctx, o.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a payment record was made for a cancelled order: %v", err)
		}
		// A paid order still answers with its settled payment.
		o2 := mustPay(t, s, mustOrderFixtureFor(t, s, o))
		if p, err := s.BeginPayment(ctx, o2.ID, "pk_1", o2.Total); !errors.Is(err, store.ErrPaymentSettled) || p.PaymentKey != "pk_1" {
			t.Fatalf("begin payment of a paid order: %+v %v", p, err)
		}
	})
}

// A request that died between claiming an Idempotency-Key and answering must
// not block the key forever: once the record is stale, a retry with the same
// request takes it over (exactly one of several racing retries does); a
// different request is still refused by the caller's hash comparison.
func TestIdempotencyTakeoverOfStaleRecord(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := mustOrderFixture(t, s)
		rec, fresh, err := s.BeginIdempotent(ctx, o.CustomerID, "crashed-1", "h1", time.Now().Add(-time.Minute))
		if err != nil || !fresh {
			t.Fatalf("begin %v %v", fresh, err)
		}
		// Not stale yet: the key is taken.
		if _, fresh, err := s.BeginIdempotent(ctx, o.CustomerID, "crashed-1", "h1", time.Now().Add(-time.Minute)); err != nil || fresh {
			t.Fatalf("fresh record taken over: %v %v", fresh, err)
		}
		// Stale: one of several racing retries takes it over. Any record last
		// touched before staleBefore is stale; the retries come after it.
		staleBefore := rec.UpdatedAt.Add(time.Microsecond)
		for !time.Now().After(staleBefore) {
			time.Sleep(time.Microsecond)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		owners := 0
		for i := 0; i < 5; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, fresh, err := s.BeginIdempotent(ctx, o.CustomerID, "crashed-1", "h1", staleBefore)
				if err != nil {
					t.Error(err)
					return
				}
				if fresh {
					mu.Lock()
					owners++
					mu.Unlock()
					if got.ID != rec.ID || got.State != store.IdemProcessing {
						t.Errorf("taken over record %+v", got)
					}
				}
			}()
		}
		wg.Wait()
		if owners != 1 {
			t.Fatalf("%d retries own the key, want 1", owners)
		}
		// Another body under a stale key is not taken over.
		if got, fresh, err := s.BeginIdempotent(ctx, o.CustomerID, "crashed-1", "h2", time.Now().Add(time.Hour)); err != nil || fresh || got.RequestHash != "h1" {
			t.Fatalf("other body: %+v %v %v", got, fresh, err)
		}
		// A finished answer is never taken over, however old.
		if err := s.FinishIdempotent(ctx, rec.ID, 200, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
		if got, fresh, err := s.BeginIdempotent(ctx, o.CustomerID, "crashed-1", "h1", time.Now().Add(time.Hour)); err != nil || fresh || got.State != store.IdemDone {
			t.Fatalf("done record: %+v %v %v", got, fresh, err)
		}
	})
}

// mustOrderFixtureFor makes another pending order like o (same customer and stall).
func mustOrderFixtureFor(t *testing.T, s *store.Store, o store.Order) store.Order {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	n := store.Order{CustomerID: o.CustomerID, PochaID: o.PochaID, Total: 7000, CreatedAt: now, UpdatedAt: now,
		Items: []store.OrderItem{{MenuItemID: 1, Name: "어묵", UnitPrice: 7000, Quantity: 1, LineTotal: 7000}}}
	if err := s.CreateOrder(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}
